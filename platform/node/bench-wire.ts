// rserpool bench wire [--json] [--seconds S]: speed and allocation of the
// ASAP/ENRP codec on two representative messages.
//
// Method.
// - Rate: in this process, with Node's default heap settings. After a
//   warm-up (so the code is optimised), each operation runs in batches of
//   1024 for S seconds; the clock is read once per batch.
//   messages/s = operations / elapsed time.
// - Allocation: the benchmark re-executes itself in a child Node process
//   with --expose-gc and a fixed 64 MB young generation
//   (--min-semi-space-size=64 --max-semi-space-size=64), so that N
//   operations fit in the young generation without a scavenge. It then runs
//   gc(), reads process.memoryUsage().heapUsed, runs N operations, reads
//   heapUsed again. A PerformanceObserver on "gc" entries tells whether any
//   collection happened inside the window; if one did, the window is retried
//   with N halved (a collection would hide allocation). The same window is
//   measured around an empty loop and subtracted (the cost of the
//   measurement itself). Each operation is measured twice and the lower
//   figure kept, because the first window can include the optimised code
//   V8 compiles for the loop. bytes/message = (delta - empty delta) / N.
//   Decode builds new message records by design, so it allocates; encode
//   writes into a reused writer and returns a cached view, so its steady
//   state should be 0 bytes/message.

import { heapDelta, measureRate, type Op } from "./bench-measure.js";
import { spawnSync } from "node:child_process";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createDecoder, createWriter, decodeAsap, encodeAsap } from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import type { AsapMessage } from "../../core/wire/types.js";
import { asapFromJson } from "./wire-json.js";
import type { Json } from "./wire-json.js";

const BIN = fileURLToPath(new URL("../../../bin/rserpool.js", import.meta.url));
const CHILD_FLAGS = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];
const CHILD_ENV = "RSERPOOL_BENCH_WIRE_CHILD";
const TARGET_RATE = 1_000_000;
const TARGET_ENCODE_BYTES = 0;

const METHOD =
  "rate: default node flags, batches of 1024 ops for S seconds after warm-up; allocation: child node with --expose-gc and a 64 MB young generation, " +
  "heapUsed delta over N ops after gc(), retried with N/2 if a GC was observed (perf_hooks 'gc'), minus the delta of an empty loop, lower of two windows";

const HELP = `Usage: rserpool bench wire [--json] [--seconds S]

Decode and encode rate (messages/s) and bytes allocated per message for an
ASAP REGISTRATION and a HANDLE_RESOLUTION_RESPONSE with 3 pool elements.
--seconds S   measuring time per operation (default 1)
--json        print one JSON document instead of a table

Allocation is measured in a child process started with
${CHILD_FLAGS.join(" ")} (see the comment at the top of bench-wire.ts).
Targets: >= ${TARGET_RATE} messages/s each way, ${TARGET_ENCODE_BYTES} bytes/message for encode.
`;

function transport(port: number, addresses: string[]): Json {
  return { type: "sctp", port, transportUse: 0, addresses };
}

/** The two benchmark messages, in the JSON form of wire-json.ts. */
export const BENCH_MESSAGES: { name: string; json: Json }[] = [
  {
    name: "asap REGISTRATION",
    json: {
      protocol: "asap",
      type: "REGISTRATION",
      poolHandleText: "EchoPool",
      poolElements: [
        {
          identifier: 0x12345678,
          homeRegistrarIdentifier: 0,
          registrationLife: 30000,
          userTransport: transport(7, ["192.168.1.10", "10.0.0.10"]),
          policy: { type: "LeastUsed", load: 0x40000000 },
          asapTransport: null,
        },
      ],
    },
  },
  {
    name: "asap HANDLE_RESOLUTION_RESPONSE (3 PEs)",
    json: {
      protocol: "asap",
      type: "HANDLE_RESOLUTION_RESPONSE",
      poolHandleText: "EchoPool",
      policy: { type: "RoundRobin" },
      poolElements: [1, 2, 3].map((i) => ({
        identifier: 0x1000 + i,
        homeRegistrarIdentifier: 0xabcd0000 + i,
        registrationLife: 30000,
        userTransport: transport(7000 + i, [`192.168.1.${i}`, `10.0.0.${i}`]),
        policy: { type: "RoundRobin" },
        asapTransport: null,
      })),
    },
  },
];

interface Figures {
  messagesPerSecond: number;
  bytesAllocatedPerMessage: number | null;
  allocationWindow: number;
}

interface CaseResult {
  case: string;
  bytes: number;
  decode: Figures;
  encode: Figures;
}

async function measureAllocation(op: Op, gc: () => void, gcCount: () => number): Promise<{ perMessage: number | null; n: number }> {
  const n = 200_000;
  const empty = await heapDelta(() => 1, n, gc, gcCount);
  // Measured twice, the lower kept: the first window may include compiled code
  // (optimised code objects are heap allocations too).
  const first = await heapDelta(op, n, gc, gcCount);
  const second = await heapDelta(op, n, gc, gcCount);
  const full = first === null || (second !== null && second.delta / second.n < first.delta / first.n) ? second : first;
  if (empty === null || full === null) return { perMessage: null, n: 0 };
  const perMessage = Math.max(0, (full.delta - (empty.delta * full.n) / empty.n) / full.n);
  return { perMessage: Math.round(perMessage * 100) / 100, n: full.n };
}

function parseArgs(args: string[]): { json: boolean; seconds: number; help: boolean } | string {
  let json = false;
  let seconds = 1;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") json = true;
    else if (a === "--help" || a === "-h") help = true;
    else if (a === "--seconds" || a.startsWith("--seconds=")) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
      seconds = Number(v);
      if (!(seconds > 0 && seconds <= 600)) return `--seconds needs a number in (0, 600], got ${JSON.stringify(v)}`;
    } else return `unknown option '${a}'`;
  }
  return { json, seconds, help };
}

interface Prepared {
  name: string;
  bytes: number;
  decodeOp: Op;
  encodeOp: Op;
}

function prepare(): Prepared[] {
  return BENCH_MESSAGES.map((sample) => {
    const message: AsapMessage = asapFromJson(sample.json);
    const writer = createWriter(256);
    const encoded = encodeAsap(writer, message).slice();
    const decoder = createDecoder();
    if (decodeAsap(decoder, encoded, 0, encoded.length) === null) {
      throw new Error(`${sample.name}: the codec rejects its own encoding: ${reasonText(decoder.error!.reason)}`);
    }
    const box: { kept: AsapMessage | null } = { kept: null };
    return {
      name: sample.name,
      bytes: encoded.length,
      // The decoded message is stored outside the closure so that escape
      // analysis cannot remove its allocation (a real caller keeps it).
      decodeOp: () => {
        const m = decodeAsap(decoder, encoded, 0, encoded.length);
        box.kept = m;
        return m === null ? 0 : m.type;
      },
      encodeOp: () => encodeAsap(writer, message).length,
    };
  });
}

interface Allocation {
  decode: { perMessage: number | null; n: number };
  encode: { perMessage: number | null; n: number };
}

/** In the child: allocation per operation for every case. */
async function measureAllocations(): Promise<Allocation[]> {
  const g = (globalThis as { gc?: () => void }).gc!;
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ["gc"] });
  const gcCount = () => gcs;
  const out: Allocation[] = [];
  try {
    for (const c of prepare()) {
      // Warm up first, so that the windows measure optimised code.
      measureRate(c.decodeOp, 0.2);
      measureRate(c.encodeOp, 0.2);
      out.push({ decode: await measureAllocation(c.decodeOp, g, gcCount), encode: await measureAllocation(c.encodeOp, g, gcCount) });
    }
  } finally {
    observer.disconnect();
  }
  return out;
}

/** In the parent (default Node flags): rates, then allocation from the child. */
function measure(seconds: number, allocations: Allocation[]): CaseResult[] {
  return prepare().map((c, i) => {
    const a = allocations[i];
    return {
      case: c.name,
      bytes: c.bytes,
      decode: { messagesPerSecond: Math.round(measureRate(c.decodeOp, seconds)), bytesAllocatedPerMessage: a.decode.perMessage, allocationWindow: a.decode.n },
      encode: { messagesPerSecond: Math.round(measureRate(c.encodeOp, seconds)), bytesAllocatedPerMessage: a.encode.perMessage, allocationWindow: a.encode.n },
    };
  });
}

function meetsTargets(results: CaseResult[]): boolean {
  return results.every(
    (r) =>
      r.decode.messagesPerSecond >= TARGET_RATE &&
      r.encode.messagesPerSecond >= TARGET_RATE &&
      r.encode.bytesAllocatedPerMessage !== null &&
      r.encode.bytesAllocatedPerMessage <= TARGET_ENCODE_BYTES,
  );
}

function formatTable(results: CaseResult[], seconds: number): string {
  const lines = [`bench wire (node ${process.version}, ${seconds} s per operation)`];
  const fmt = (f: Figures) =>
    `${f.messagesPerSecond.toLocaleString("en-US").padStart(11)} msg/s  ${f.bytesAllocatedPerMessage === null ? "      n/a" : f.bytesAllocatedPerMessage.toFixed(1).padStart(9)} B/msg`;
  for (const r of results) {
    lines.push(`  ${r.case} (${r.bytes} bytes)`);
    lines.push(`    decode ${fmt(r.decode)}`);
    lines.push(`    encode ${fmt(r.encode)}`);
  }
  lines.push(`  targets: >= ${TARGET_RATE.toLocaleString("en-US")} msg/s each way, encode ${TARGET_ENCODE_BYTES} B/msg: ${meetsTargets(results) ? "met" : "NOT met"}`);
  lines.push(`  method: ${METHOD}`);
  return lines.join("\n") + "\n";
}

export async function run(args: string[]): Promise<number> {
  const opts = parseArgs(args);
  if (typeof opts === "string") {
    process.stderr.write(`rserpool bench wire: ${opts}\n\n${HELP}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (process.env[CHILD_ENV] === "1") {
    if (typeof (globalThis as { gc?: unknown }).gc !== "function") {
      process.stderr.write("rserpool bench wire: gc() is not exposed in the measuring process\n");
      return 1;
    }
    process.stdout.write(JSON.stringify(await measureAllocations()) + "\n");
    return 0;
  }
  // Allocation: a child with an exposed gc() and a fixed young generation (see top).
  const child = spawnSync(process.execPath, [...CHILD_FLAGS, BIN, "bench", "wire"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, [CHILD_ENV]: "1" },
  });
  if (child.error || child.status !== 0) {
    process.stderr.write(`rserpool bench wire: the allocation child failed: ${child.error ? child.error.message : `status ${child.status}`}\n`);
    return 1;
  }
  const allocations = JSON.parse(child.stdout) as Allocation[];
  // Rates: in this process, with Node's default heap settings.
  const results = measure(opts.seconds, allocations);
  if (opts.json) {
    const doc = {
      bench: "wire",
      node: process.version,
      secondsPerOperation: opts.seconds,
      method: METHOD,
      allocationChildFlags: CHILD_FLAGS,
      results,
      targets: { messagesPerSecond: TARGET_RATE, encodeBytesPerMessage: TARGET_ENCODE_BYTES },
      targetsMet: meetsTargets(results),
    };
    process.stdout.write(JSON.stringify(doc, null, 1) + "\n");
  } else {
    process.stdout.write(formatTable(results, opts.seconds));
  }
  return 0;
}
