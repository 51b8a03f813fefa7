// rserpool bench client [--json] [--seconds S]: the client machine's hot
// paths, and bytes allocated per operation.
//
// Method. One client machine, driven directly (every poll* drained after
// each input, as the driver does; the clock does not move):
// - echo: a PE-side session receives 64-byte messages (PPID 38) and sends
//   each back: handleMessage -> pollEvent (EVENT_DATA) -> send -> pollTransmit.
// - keep-alive: 1,000 own PEs in one pool, registered with a scripted
//   registrar association; ENDPOINT_KEEP_ALIVE for one PE after another,
//   each answered with an ACK (the codec's decode allocates its records).
// - cached resolution: resolve() of a pool of 3 cached PEs, 1 item
//   (EVENT_RESOLVED with fresh records: allocates by design).
// Rates: batches of 1024 for S seconds after a 250 ms warm-up. Allocation:
// a child node with --expose-gc and a 64 MB young generation, heapUsed
// delta over N operations after gc(), with no GC in the window, minus an
// empty loop's delta.

import { bytesPerCall, measureRate, seededBytes } from "./bench-measure.js";
import { spawnSync } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createClient } from "../../core/client/index.js";
import type { Client } from "../../core/client/index.js";
import { EVENT_DATA, EVENT_RESOLVED } from "../../core/client/index.js";
import { ACTION_CONNECT, LISTENER_NONE } from "../../core/driver/machine.js";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  PPID_ASAP,
  createDecoder,
  createWriter,
  decodeAsap,
  encodeAsap,
  newAsapMessage,
  newPolicy,
  newPoolElement,
  newTransport,
} from "../../core/wire/index.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
const CHILD_FLAGS = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];
const CHILD_ENV = "RSERPOOL_BENCH_CLIENT_CHILD";
const PES = 1000;
const HANDLE = Uint8Array.of(0x50); // "P"

const HELP = `Usage: rserpool bench client [--json] [--seconds S]

The client machine's hot paths: session echo messages/s, keep-alive
answers/s with ${PES.toLocaleString("en-US")} own PEs, cached resolutions/s, and bytes allocated per
operation (child process with ${CHILD_FLAGS.join(" ")}). Method: see bench-client.ts.
--seconds S   measuring time per figure (default 1)
--json        one JSON document instead of a table
`;

function drain(c: Client): number {
  let n = 0;
  while (c.pollTransmit() !== null) n++;
  while (c.pollAction() !== null);
  while (c.pollEvent() !== null);
  return n;
}

interface Ops {
  echo: () => number;
  keepAlive: () => number;
  resolve: () => number;
}

/** A client with its registrar association up, 1,000 registered PEs, a PE-side session and a cached pool. */
function setup(): Ops {
  const c = createClient({ random: seededBytes(7), announce: false, registrars: [{ addresses: ["10.0.0.1"], port: 3863 }] });
  const now = 1000;
  c.start(now);
  let registrar = 0;
  for (let a = c.pollAction(); a !== null; a = c.pollAction()) if (a.kind === ACTION_CONNECT) registrar = a.association;
  c.handleAssociationUp(now, registrar, ["10.0.0.1"], 3863, LISTENER_NONE);
  for (let i = 0; i < PES; i++) c.registerPoolElement(now, HANDLE, { addresses: ["10.0.1.1"], port: 7000, identifier: i + 1 });
  // Answer every registration.
  const writer = createWriter(256);
  const decoder = createDecoder();
  const answers: Uint8Array[] = [];
  for (let t = c.pollTransmit(); t !== null; t = c.pollTransmit()) {
    const m = decodeAsap(decoder, t.bytes, 0, t.bytes.length);
    if (m === null || m.type !== ASAP_REGISTRATION) continue;
    const r = newAsapMessage(ASAP_REGISTRATION_RESPONSE);
    r.poolHandle = HANDLE;
    r.peIdentifier = m.poolElements[0].identifier;
    answers.push(encodeAsap(writer, r).slice());
  }
  for (const a of answers) c.handleMessage(now, registrar, 0, PPID_ASAP, a);
  drain(c);
  if (answers.length !== PES) throw new Error(`expected ${PES} registrations, saw ${answers.length}`);
  // Keep-alives, one per PE.
  const keepAlives: Uint8Array[] = [];
  for (let i = 0; i < PES; i++) {
    const k = newAsapMessage(ASAP_ENDPOINT_KEEP_ALIVE);
    k.serverIdentifier = 1;
    k.poolHandle = HANDLE;
    k.peIdentifier = i + 1;
    keepAlives.push(encodeAsap(writer, k).slice());
  }
  // A cached pool "Q" of 3 PEs.
  const q = Uint8Array.of(0x51);
  c.resolve(now, q, { items: 1 });
  drain(c);
  const response = newAsapMessage(ASAP_HANDLE_RESOLUTION_RESPONSE);
  response.poolHandle = q;
  for (let i = 0; i < 3; i++) {
    response.poolElements.push(newPoolElement(100 + i, 1, 90000, newTransport(4, 7000 + i, 0, [Uint8Array.of(10, 0, 2, 1)]), newPolicy(1), null));
  }
  c.handleMessage(now, registrar, 0, PPID_ASAP, encodeAsap(writer, response));
  drain(c);
  // A PE-side session (association 1 from listener 1).
  c.listen(now, { port: 7000 });
  c.handleAssociationUp(now, 1, ["10.0.3.1"], 40000, 1);
  let session = 0;
  for (let e = c.pollEvent(); e !== null; e = c.pollEvent()) session = e.session;
  drain(c);
  const data = new Uint8Array(64);
  let k = 0;
  return {
    echo(): number {
      c.handleMessage(now, 1, 0, 38, data);
      const e = c.pollEvent();
      if (e === null || e.kind !== EVENT_DATA) throw new Error("data event expected");
      c.send(now, session, e.stream, e.ppid, e.bytes as Uint8Array);
      const t = c.pollTransmit();
      if (t === null) throw new Error("echo expected");
      return t.bytes.length;
    },
    keepAlive(): number {
      c.handleMessage(now, registrar, 0, PPID_ASAP, keepAlives[k]);
      k = k + 1 === PES ? 0 : k + 1;
      const t = c.pollTransmit();
      if (t === null) throw new Error("ACK expected");
      return t.bytes.length;
    },
    resolve(): number {
      c.resolve(now, q, { items: 1 });
      const e = c.pollEvent();
      if (e === null || e.kind !== EVENT_RESOLVED || e.poolElements.length !== 1) throw new Error("cached answer expected");
      return e.poolElements.length;
    },
  };
}

async function perOperation(op: () => number, gc: () => void, gcs: () => number): Promise<number | null> {
  for (let i = 0; i < 100000; i++) op(); // warm-up: optimised code, every reused buffer made
  return bytesPerCall(op, 50000, gc, gcs);
}

interface Allocation {
  echo: number | null;
  keepAlive: number | null;
  resolve: number | null;
}

async function allocationChild(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("allocation child needs --expose-gc");
  let count = 0;
  const observer = new PerformanceObserver((list) => (count += list.getEntries().length));
  observer.observe({ entryTypes: ["gc"] });
  const ops = setup();
  const result: Allocation = {
    echo: await perOperation(ops.echo, gc, () => count),
    keepAlive: await perOperation(ops.keepAlive, gc, () => count),
    resolve: await perOperation(ops.resolve, gc, () => count),
  };
  observer.disconnect();
  process.stdout.write(JSON.stringify(result) + "\n");
  return 0;
}

function measureAllocation(): Allocation | null {
  const child = spawnSync(process.execPath, [...CHILD_FLAGS, BIN, "bench", "client"], {
    env: { ...process.env, [CHILD_ENV]: "1" },
    encoding: "utf8",
  });
  if (child.status !== 0) return null;
  try {
    return JSON.parse(child.stdout.trim().split("\n").pop() as string) as Allocation;
  } catch {
    return null;
  }
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  let json = false;
  let seconds = 1;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--json") json = true;
    else if (args[i] === "--seconds" && Number(args[i + 1]) > 0) seconds = Number(args[++i]);
    else {
      process.stderr.write(`rserpool bench client: unknown option '${args[i]}'\n\n${HELP}`);
      return 2;
    }
  }
  if (process.env[CHILD_ENV] === "1") return allocationChild();
  const ops = setup();
  const figures = {
    echoMessagesPerSecond: measureRate(ops.echo, seconds),
    keepAlivesPerSecond: measureRate(ops.keepAlive, seconds),
    cachedResolutionsPerSecond: measureRate(ops.resolve, seconds),
    bytesAllocated: measureAllocation(),
  };
  if (json) {
    process.stdout.write(JSON.stringify({ bench: "client", node: process.version, poolElements: PES, ...figures }, null, 2) + "\n");
  } else {
    const f = (x: number): string => Math.round(x).toLocaleString("en-US");
    const b = (x: number | null | undefined): string => (x === null || x === undefined ? "n/a" : x.toFixed(1));
    const a = figures.bytesAllocated;
    process.stdout.write(
      `client (node ${process.version})\n` +
        `  session echo messages/s   ${f(figures.echoMessagesPerSecond)}   bytes/message ${b(a?.echo)}\n` +
        `  keep-alives answered/s    ${f(figures.keepAlivesPerSecond)}   bytes/keep-alive ${b(a?.keepAlive)} (${PES} PEs)\n` +
        `  cached resolutions/s      ${f(figures.cachedResolutionsPerSecond)}   bytes/resolution ${b(a?.resolve)}\n`,
    );
  }
  return 0;
}
