// rserpool bench registrar [--json] [--seconds S] [--pools P] [--per-pool N]:
// registrations/s and handle resolutions/s through the full registrar
// machine (decode -> handlespace -> encode), and bytes allocated per
// resolution.
//
// Method.
// - Setup: P pools of N round-robin PEs (default 100 x 100 = 10,000 PEs),
//   the PEs of a pool registered over their own association (its remote
//   address is the PEs' address, so anti-spoofing passes), one PU
//   association. Messages are encoded once beforehand and fed to
//   handleMessage; after every message pollTransmit/pollAction/pollEvent
//   are drained as the driver does. The clock does not move (no timer is
//   due). The handle-resolution rate limit is off (it would refuse most of
//   a benchmark's requests, by design).
// - registrations/s: fresh registrar, all P x N REGISTRATIONs, repeated for
//   S seconds (registrar creation not timed). re-registrations/s: the same
//   messages again on the full registrar (updates in place).
// - resolutions/s: HANDLE_RESOLUTION of the P pools in turn (default k = 3),
//   in batches of 1024 for S seconds after a warm-up.
// - Allocation: a child node with --expose-gc and a 64 MB young generation
//   runs the resolution loop after gc(); heapUsed delta over M resolutions,
//   retried with M/2 when a GC was observed in the window (perf_hooks "gc"),
//   minus the delta of an empty loop; the lower of two windows.

import { bytesPerCall, measureRate, seededBytes } from "./bench-measure.js";
import { spawnSync } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createRegistrar } from "../../core/registrar/index.js";
import type { Registrar } from "../../core/registrar/index.js";
import {
  ASAP_HANDLE_RESOLUTION,
  ASAP_REGISTRATION,
  PARAM_SCTP_TRANSPORT,
  POLICY_ROUND_ROBIN,
  PPID_ASAP,
  TRANSPORT_USE_DATA_ONLY,
  createWriter,
  encodeAsap,
  newAsapMessage,
  newPolicy,
  newPoolElement,
  newTransport,
  parseAddress,
} from "../../core/wire/index.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
const CHILD_FLAGS = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];
const CHILD_ENV = "RSERPOOL_BENCH_REGISTRAR_CHILD";
const TARGET_RESOLUTIONS = 300_000;

const METHOD =
  "P pools x N round-robin PEs, pre-encoded messages fed to handleMessage, every poll* drained after each; registrations/s over fresh " +
  "registrars, re-registrations/s on the full one, resolutions/s in batches of 1024 for S seconds after warm-up (rate limit off); " +
  "allocation: child node with --expose-gc and a 64 MB young generation, heapUsed delta after gc() minus an empty loop, no GC in the window";

const HELP = `Usage: rserpool bench registrar [--json] [--seconds S] [--pools P] [--per-pool N] [--items K]

Registrations/s and handle resolutions/s through the registrar machine
(decode -> handlespace -> encode) with P x N registered PEs (default
100 x 100 = 10,000), and bytes allocated per resolution (child process
with ${CHILD_FLAGS.join(" ")}). Method: see bench-registrar.ts.
--seconds S   measuring time per figure (default 1)
--items K     PEs asked for per resolution (default: none sent, the registrar's 3)
--json        one JSON document instead of a table
Target: >= ${TARGET_RESOLUTIONS} resolutions/s.
`;

interface Options {
  json: boolean;
  seconds: number;
  pools: number;
  perPool: number;
  items: number | null;
}

function parse(args: string[]): Options | string {
  const o: Options = { json: false, seconds: 1, pools: 100, perPool: 100, items: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const number = (): number => {
      const v = Number(args[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    try {
      if (a === "--json") o.json = true;
      else if (a === "--seconds") o.seconds = number();
      else if (a === "--pools") o.pools = Math.floor(number());
      else if (a === "--per-pool") o.perPool = Math.floor(number());
      else if (a === "--items") o.items = Math.floor(number());
      else return `unknown option '${a}'`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  return o;
}

/** Deterministic byte filler (xorshift32) for the registrar's random source. */
interface Setup {
  registrations: Uint8Array[][];
  resolutions: Uint8Array[];
  peAddresses: string[];
}

function handleOf(pool: number): Uint8Array {
  return new TextEncoder().encode(`pool-${pool}`);
}

function prepare(o: Options): Setup {
  const writer = createWriter(256);
  const registrations: Uint8Array[][] = [];
  const resolutions: Uint8Array[] = [];
  const peAddresses: string[] = [];
  for (let p = 0; p < o.pools; p++) {
    const address = `10.${(p >> 8) & 0xff}.${p & 0xff}.2`;
    peAddresses.push(address);
    const list: Uint8Array[] = [];
    for (let i = 0; i < o.perPool; i++) {
      const m = newAsapMessage(ASAP_REGISTRATION);
      m.poolHandle = handleOf(p);
      const transport = newTransport(PARAM_SCTP_TRANSPORT, 7000 + i, TRANSPORT_USE_DATA_ONLY, [parseAddress(address) as Uint8Array]);
      m.poolElements.push(newPoolElement(p * o.perPool + i + 1, 0, 30000, transport, newPolicy(POLICY_ROUND_ROBIN), null));
      list.push(encodeAsap(writer, m).slice());
    }
    registrations.push(list);
    const r = newAsapMessage(ASAP_HANDLE_RESOLUTION);
    r.poolHandle = handleOf(p);
    r.items = o.items;
    resolutions.push(encodeAsap(writer, r).slice());
  }
  return { registrations, resolutions, peAddresses };
}

const NOW = 1000;
const PU = 1;

function drain(r: Registrar): number {
  let n = 0;
  while (r.pollTransmit() !== null) n++;
  while (r.pollAction() !== null);
  while (r.pollEvent() !== null);
  return n;
}

function newRegistrar(o: Options, setup: Setup): Registrar {
  const r = createRegistrar({
    random: seededBytes(42),
    identifier: 0x52454721,
    asapAnnounce: false,
    maxHandleResolutionRate: 0,
    maxPoolElementsPerAssociation: o.perPool,
    maxPoolElements: o.pools * o.perPool,
    maxPoolElementsPerPool: o.perPool,
    maxPools: o.pools,
    maxAssociations: o.pools + 8,
  });
  r.start(NOW);
  drain(r);
  r.handleAssociationUp(NOW, PU, ["10.200.0.1"], 40000, 0);
  for (let p = 0; p < o.pools; p++) r.handleAssociationUp(NOW, 3 + 2 * p, [setup.peAddresses[p]], 5000, 0);
  drain(r);
  return r;
}

function registerAll(r: Registrar, setup: Setup): number {
  let answers = 0;
  const lists = setup.registrations;
  for (let p = 0; p < lists.length; p++) {
    const association = 3 + 2 * p;
    const list = lists[p];
    for (let i = 0; i < list.length; i++) {
      r.handleMessage(NOW, association, 0, PPID_ASAP, list[i]);
      answers += drain(r);
    }
  }
  return answers;
}

interface Figures {
  poolElements: number;
  registrationsPerSecond: number;
  reregistrationsPerSecond: number;
  resolutionsPerSecond: number;
  bytesAllocatedPerResolution: number | null;
  resolutionItems: number;
}

function timeRegistrations(o: Options, setup: Setup, fresh: boolean, full: Registrar): number {
  const total = o.pools * o.perPool;
  let done = 0;
  let elapsed = 0;
  const budget = o.seconds * 1000;
  while (elapsed < budget || done === 0) {
    const r = fresh ? newRegistrar(o, setup) : full;
    const start = performance.now();
    const answers = registerAll(r, setup);
    elapsed += performance.now() - start;
    if (answers !== total) throw new Error(`expected ${total} registration responses, got ${answers}`);
    if (r.handlespace.count !== total) throw new Error(`expected ${total} PEs, have ${r.handlespace.count}`);
    done += total;
  }
  return done / (elapsed / 1000);
}

function resolver(r: Registrar, setup: Setup): () => number {
  const messages = setup.resolutions;
  let i = 0;
  return () => {
    r.handleMessage(NOW, PU, 0, PPID_ASAP, messages[i]);
    i = i + 1 === messages.length ? 0 : i + 1;
    const t = r.pollTransmit();
    if (t === null || r.pollTransmit() !== null) throw new Error("one response per resolution expected");
    return t.bytes.length;
  };
}

/** In the gc-exposed child: bytes per resolution, printed as JSON. */
async function allocationChild(o: Options): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("allocation child needs --expose-gc");
  let count = 0;
  const observer = new PerformanceObserver((list) => (count += list.getEntries().length));
  observer.observe({ entryTypes: ["gc"] });
  const setup = prepare(o);
  const r = newRegistrar(o, setup);
  registerAll(r, setup);
  const op = resolver(r, setup);
  for (let i = 0; i < 200000; i++) op(); // warm-up: optimised code, every cached view made
  const best = await bytesPerCall(op, 100000, gc, () => count);
  observer.disconnect();
  process.stdout.write(JSON.stringify({ bytesPerResolution: best }) + "\n");
  return 0;
}

function measureAllocation(args: string[]): number | null {
  const child = spawnSync(process.execPath, [...CHILD_FLAGS, BIN, "bench", "registrar", ...args], {
    env: { ...process.env, [CHILD_ENV]: "1" },
    encoding: "utf8",
  });
  if (child.status !== 0) return null;
  try {
    const parsed = JSON.parse(child.stdout.trim().split("\n").pop() as string) as { bytesPerResolution: number | null };
    return parsed.bytesPerResolution;
  } catch {
    return null;
  }
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const o = parse(args);
  if (typeof o === "string") {
    process.stderr.write(`rserpool bench registrar: ${o}\n\n${HELP}`);
    return 2;
  }
  if (process.env[CHILD_ENV] === "1") return allocationChild(o);
  const setup = prepare(o);
  const full = newRegistrar(o, setup);
  const figures: Figures = {
    poolElements: o.pools * o.perPool,
    registrationsPerSecond: timeRegistrations(o, setup, true, full),
    reregistrationsPerSecond: 0,
    resolutionsPerSecond: 0,
    bytesAllocatedPerResolution: null,
    resolutionItems: o.items === null ? full.config.maxHandleResolutionItems : Math.min(o.items, 128),
  };
  registerAll(full, setup);
  figures.reregistrationsPerSecond = timeRegistrations(o, setup, false, full);
  figures.resolutionsPerSecond = measureRate(resolver(full, setup), o.seconds);
  figures.bytesAllocatedPerResolution = measureAllocation(args.filter((a) => a !== "--json"));
  const meetsTarget = figures.resolutionsPerSecond >= TARGET_RESOLUTIONS;
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        { bench: "registrar", method: METHOD, node: process.version, pools: o.pools, perPool: o.perPool, ...figures, target: TARGET_RESOLUTIONS, meetsTarget },
        null,
        2,
      ) + "\n",
    );
  } else {
    const f = (x: number): string => Math.round(x).toLocaleString("en-US");
    process.stdout.write(
      `registrar (${f(figures.poolElements)} PEs in ${o.pools} pools, node ${process.version})\n` +
        `  registrations/s     ${f(figures.registrationsPerSecond)}\n` +
        `  re-registrations/s  ${f(figures.reregistrationsPerSecond)}\n` +
        `  resolutions/s       ${f(figures.resolutionsPerSecond)} (k = ${figures.resolutionItems}; target ${f(TARGET_RESOLUTIONS)}: ${meetsTarget ? "met" : "NOT met"})\n` +
        `  bytes/resolution    ${figures.bytesAllocatedPerResolution === null ? "n/a" : figures.bytesAllocatedPerResolution.toFixed(2)}\n`,
    );
  }
  return 0;
}
