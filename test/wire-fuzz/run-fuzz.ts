// The fuzz loop, shared by the fuzz test files (each runs a share of the
// inputs with its own seed so tap can run them in parallel). This module
// holds no tests.
import { createDecoder, createWriter, decodeAsap, decodeEnrp, encodeAsap, encodeEnrp } from "../../core/wire/index.js";
import type { Decoder, Writer } from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import type { AsapMessage, EnrpMessage } from "../../core/wire/types.js";
import { encodeSamples, hex } from "../wire-cli/encode-samples.js";
import { SAMPLES, sctp } from "../wire-cli/samples.js";
import type { Sample } from "../wire-cli/samples.js";
import { MUTATIONS, createRandom, mutateOnce } from "./mutate.js";

export interface FuzzOptions {
  seed: number;
  inputs: number;
  /** One input in `sampleEvery` is timed on its own. */
  sampleEvery: number;
  maxInputMs: number;
  maxBatchMs: number;
  /** Wall-clock cap for the whole run. */
  maxTotalMs: number;
}

export interface FuzzReport {
  inputs: number;
  accepted: number;
  acceptedWithProblems: number;
  /** Clean decodes whose re-encoding differs only by the shared-padding length (see isSharedPaddingLength). */
  sharedPaddingLength: number;
  rejected: Record<string, number>;
  /** Up to 3 examples per kind of failure. */
  failures: { kind: string; protocol: string; hex: string; detail: string }[];
  failureCount: number;
  failureKinds: Record<string, number>;
  maxInputMs: number;
  maxBatchMs: number;
  totalMs: number;
  truncated: boolean;
}

type Message = AsapMessage | EnrpMessage;
type Protocol = "asap" | "enrp";

function bigSamples(): Sample[] {
  const pe = (i: number) => ({
    identifier: 0x70000000 + i,
    homeRegistrarIdentifier: 7,
    registrationLife: 30000,
    userTransport: sctp(1000 + i, [`10.0.${i >> 8}.${i & 255}`, `2001:db8::${i.toString(16)}`]),
    policy: { type: "WeightedRoundRobin", weight: i },
    asapTransport: null,
  });
  return [
    {
      name: "asap HANDLE_RESOLUTION_RESPONSE 40 PEs",
      tag: "asap",
      json: { protocol: "asap", type: "HANDLE_RESOLUTION_RESPONSE", poolHandleText: "Big", policy: { type: "WeightedRoundRobin", weight: 1 }, poolElements: Array.from({ length: 40 }, (_, i) => pe(i)) },
    },
    {
      name: "enrp HANDLE_TABLE_RESPONSE 3x10 PEs",
      tag: "enrp",
      json: {
        protocol: "enrp",
        type: "HANDLE_TABLE_RESPONSE",
        senderServerIdentifier: 1,
        receiverServerIdentifier: 2,
        poolEntries: [0, 1, 2].map((p) => ({
          poolHandleText: `Pool${p}`,
          poolElements: Array.from({ length: 10 }, (_, i) => ({ ...pe(p * 10 + i), asapTransport: sctp(3863, [`10.1.0.${i}`], 1) })),
        })),
      },
    },
  ];
}

/** Structural equality: plain objects, arrays, Uint8Array contents, numbers, strings, null. */
export function sameStructure(a: unknown, b: unknown, path: string): string | null {
  if (a === b) return null;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return `${path}: bytes differ`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: byte ${a[i]} vs ${b[i]}`;
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return `${path}: array length differs`;
    for (let i = 0; i < a.length; i++) {
      const d = sameStructure(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return `${path}: NaN`;
    return `${path}: ${String(a)} vs ${String(b)}`;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return `${path}: keys ${ka.join(",")} vs ${kb.join(",")}`;
  for (const k of ka) {
    const d = sameStructure((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== null) return d;
  }
  return null;
}

const CAUSE_KEYS = ["unspecified", "unrecognized-parameter", "unrecognized-message", "invalid-values", "non-unique-pe-id", "inconsistent-policy", "lack-of-resources", "inconsistent-transport", "inconsistent-data-control", "unknown-pool-handle", "rejected-security"];

function decode(decoder: Decoder, protocol: Protocol, bytes: Uint8Array): Message | null {
  return protocol === "asap" ? decodeAsap(decoder, bytes, 0, bytes.length) : decodeEnrp(decoder, bytes, 0, bytes.length);
}

function encode(writer: Writer, protocol: Protocol, m: Message): Uint8Array {
  return protocol === "asap" ? encodeAsap(writer, m as AsapMessage) : encodeEnrp(writer, m as EnrpMessage);
}

/** Checks of a rejection record; null when well-formed. */
function checkError(decoder: Decoder, length: number): string | null {
  const e = decoder.error;
  if (e === null || typeof e !== "object") return "decode returned null without decoder.error";
  if (!Number.isInteger(e.cause) || e.cause < 0 || e.cause > 0xa) return `cause ${e.cause} is not an RFC 5354 cause 0..0xa`;
  if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > length) return `offset ${e.offset} outside [0, ${length}]`;
  if (typeof e.reason !== "number" || reasonText(e.reason).startsWith("reason ")) return `unknown reason ${e.reason}`;
  if (typeof e.report !== "boolean") return "report is not a boolean";
  if (e.info !== null && !(e.info instanceof Uint8Array)) return "info is neither null nor bytes";
  return null;
}

function checkProblems(decoder: Decoder, length: number): string | null {
  for (const p of decoder.problems) {
    if (!Number.isInteger(p.cause) || p.cause < 0 || p.cause > 0xa) return `problem cause ${p.cause}`;
    if (!Number.isInteger(p.offset) || p.offset < 0 || p.offset > length) return `problem offset ${p.offset} outside [0, ${length}]`;
    if (typeof p.reason !== "number" || reasonText(p.reason).startsWith("reason ")) return `problem with unknown reason ${p.reason}`;
  }
  return null;
}

/** Small limits, so that the limit checks are reached by small inputs too. */
function tightDecoder(): Decoder {
  const d = createDecoder();
  d.maxPoolHandleLength = 8;
  d.maxAddresses = 2;
  d.maxPoolElements = 3;
  d.maxNestingDepth = 2;
  return d;
}

/**
 * The one difference the codec documents between a clean decode and its
 * re-encoding: a container whose length ends inside the padding of its last
 * TLV ("shares the container's padding", rsplib style) is accepted without a
 * Problem but re-encoded with the padding counted. Recognised only when the
 * bytes differ in exactly one 16-bit length field that grows to the next
 * multiple of 4. Tracked separately (reported to the codec owner).
 */
export function isSharedPaddingLength(input: Uint8Array, again: Uint8Array): boolean {
  if (input.length !== again.length) return false;
  let first = -1;
  let last = -1;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== again[i]) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0 || last - first > 1) return false;
  const field = last === first && first % 2 === 1 ? first - 1 : first;
  if (field % 4 !== 2 || field + 1 >= input.length) return false;
  const before = (input[field] << 8) | input[field + 1];
  const after = (again[field] << 8) | again[field + 1];
  return after > before && after - before < 4 && after % 4 === 0;
}

export function runFuzz(o: FuzzOptions): FuzzReport {
  const corpus = encodeSamples(SAMPLES.concat(bigSamples()));
  const byProtocol: Record<Protocol, Uint8Array[]> = {
    asap: corpus.filter((c) => c.protocol === "asap").map((c) => c.bytes),
    enrp: corpus.filter((c) => c.protocol === "enrp").map((c) => c.bytes),
  };
  const r = createRandom(o.seed);
  const normal = { first: createDecoder(), again: createDecoder(), embedded: createDecoder() };
  const tight = { first: tightDecoder(), again: tightDecoder(), embedded: tightDecoder() };
  const writer = createWriter(256);
  const frame = new Uint8Array(70000);
  const report: FuzzReport = {
    inputs: 0,
    accepted: 0,
    acceptedWithProblems: 0,
    sharedPaddingLength: 0,
    rejected: {},
    failures: [],
    failureCount: 0,
    failureKinds: {},
    maxInputMs: 0,
    maxBatchMs: 0,
    totalMs: 0,
    truncated: false,
  };
  const fail = (kind: string, protocol: Protocol, bytes: Uint8Array, detail: string) => {
    report.failureCount++;
    const seen = report.failureKinds[kind] ?? 0;
    report.failureKinds[kind] = seen + 1;
    if (seen < 3) report.failures.push({ kind, protocol, hex: hex(bytes), detail });
  };

  /** Same input at an offset inside a larger buffer: the same outcome (offsets are message-relative). */
  const checkEmbedded = (decoders: typeof normal, protocol: Protocol, input: Uint8Array, m: Message | null): void => {
    const d = decoders.embedded;
    const at = 1 + r.below(16);
    frame.fill(0xa5, 0, at + input.length + 8);
    frame.set(input, at);
    let e: Message | null;
    try {
      e = protocol === "asap" ? decodeAsap(d, frame, at, input.length) : decodeEnrp(d, frame, at, input.length);
    } catch (x) {
      fail("decode at an offset threw", protocol, input, String((x as Error).stack ?? x));
      return;
    }
    const first = decoders.first;
    const diff =
      m === null || e === null
        ? m === e
          ? sameStructure(first.error, d.error, "error")
          : `accepted at offset 0 but not at ${at} or the reverse`
        : sameStructure(m, e, "message") ?? sameStructure(first.problems, d.problems, "problems");
    if (diff !== null) fail("decode at an offset differs", protocol, input, `offset ${at}: ${diff}`);
  };

  const checkOne = (protocol: Protocol, input: Uint8Array, inCorpus: boolean, timed: boolean, decoders: typeof normal, embedded: boolean): void => {
    const decoder = decoders.first;
    const t0 = timed ? process.hrtime.bigint() : 0n;
    let m: Message | null;
    try {
      m = decode(decoder, protocol, input);
    } catch (e) {
      fail("decode threw", protocol, input, String((e as Error).stack ?? e));
      return;
    }
    if (timed) {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (ms > report.maxInputMs) report.maxInputMs = ms;
      if (ms > o.maxInputMs) fail("slow input", protocol, input, `${ms.toFixed(1)} ms > ${o.maxInputMs} ms`);
    }
    if (embedded) checkEmbedded(decoders, protocol, input, m);

    if (m === null) {
      const bad = checkError(decoder, input.length);
      if (bad !== null) fail("malformed rejection", protocol, input, bad);
      else {
        const key = CAUSE_KEYS[decoder.error!.cause];
        report.rejected[key] = (report.rejected[key] ?? 0) + 1;
      }
      if (inCorpus) fail("corpus message rejected", protocol, input, decoder.error !== null ? reasonText(decoder.error.reason) : "");
      return;
    }
    report.accepted++;
    const clean = decoder.problems.length === 0;
    const problemReasons = decoder.problems.map((p) => p.reason);
    if (!clean) report.acceptedWithProblems++;
    const bad = checkProblems(decoder, input.length);
    if (bad !== null) fail("malformed problem", protocol, input, bad);
    if (inCorpus && !clean) fail("corpus message has problems", protocol, input, problemReasons.map(reasonText).join("; "));
    // Differential: re-encode, re-decode, compare.
    let again: Uint8Array;
    try {
      again = encode(writer, protocol, m);
    } catch (e) {
      fail("re-encode threw", protocol, input, String((e as Error).stack ?? e));
      return;
    }
    if (clean && !equalBytes(again, input)) {
      if (isSharedPaddingLength(input, again)) report.sharedPaddingLength++;
      else fail("clean message re-encodes to other bytes", protocol, input, `got ${hex(again)}`);
    }
    let m2: Message | null;
    try {
      m2 = decode(decoders.again, protocol, again);
    } catch (e) {
      fail("re-decode threw", protocol, input, String((e as Error).stack ?? e));
      return;
    }
    if (m2 === null) {
      fail("re-encoding is rejected", protocol, input, `${reasonText(decoders.again.error?.reason ?? 0)} at ${decoders.again.error?.offset}; re-encoded ${hex(again)}`);
      return;
    }
    const d = sameStructure(m, m2, "message");
    if (d !== null) fail("re-decoded structure differs", protocol, input, d);
    // Deviations kept in the structure (e.g. reserved flag bits) come back; nothing new may appear.
    for (const p of decoders.again.problems) {
      if (!problemReasons.includes(p.reason)) fail("re-encoding has a new problem", protocol, input, `${reasonText(p.reason)} at ${p.offset}; re-encoded ${hex(again)}`);
    }
  };

  const start = process.hrtime.bigint();
  let batchStart = start;

  for (let n = 0; n < o.inputs; n++) {
    // The corpus itself first, then mutants.
    let protocol: Protocol;
    let input: Uint8Array;
    if (n < corpus.length) {
      protocol = corpus[n].protocol;
      input = corpus[n].bytes;
    } else {
      const base = corpus[r.below(corpus.length)];
      protocol = base.protocol;
      input = base.bytes;
      for (let k = 1 + r.below(3); k > 0; k--) {
        input = mutateOnce(r, MUTATIONS[r.below(MUTATIONS.length)], input, protocol, byProtocol[r.chance(0.9) ? protocol : protocol === "asap" ? "enrp" : "asap"]);
      }
      if (r.chance(0.05)) protocol = protocol === "asap" ? "enrp" : "asap"; // cross-protocol bytes
    }
    const useTight = n >= corpus.length && (n & 7) === 5;
    checkOne(protocol, input, n < corpus.length, n % o.sampleEvery === 0, useTight ? tight : normal, (n & 15) === 3);

    if ((n & 1023) === 1023) {
      const now = process.hrtime.bigint();
      const ms = Number(now - batchStart) / 1e6;
      batchStart = now;
      if (ms > report.maxBatchMs) report.maxBatchMs = ms;
      if (ms > o.maxBatchMs) fail("slow batch", protocol, input, `1024 inputs took ${ms.toFixed(0)} ms > ${o.maxBatchMs} ms`);
      if (Number(now - start) / 1e6 > o.maxTotalMs) {
        report.inputs = n + 1;
        report.truncated = true;
        break;
      }
    }
    report.inputs = n + 1;
  }
  report.totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  return report;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
