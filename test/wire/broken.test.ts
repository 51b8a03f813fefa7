// Broken inputs: every validation rule of the decoder, each rejection a
// structured WireError (cause, offset, reason), no exception escaping.
// Reasons are numbers; the expectations here are their English text (reason-text.ts).

import t from "tap";
import type { Test } from "tap";
import * as W from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import { ALL_VECTORS, decode, encode, errorShapeProblem, hex, toHex } from "./vectors.js";

type Protocol = "asap" | "enrp";

interface Expect {
  cause: number;
  offset: number;
  reason: string | RegExp;
  report?: boolean;
  info?: string | null; // hex, or null
}

function rejects(t: Test, protocol: Protocol, bytes: Uint8Array, e: Expect, d = W.createDecoder()): W.Decoder {
  const m = decode(d, protocol, bytes);
  t.equal(m, null, "rejected");
  t.equal(errorShapeProblem(d, bytes.length), "", "structured error");
  if (d.error !== null) {
    t.equal(d.error.cause, e.cause, "cause");
    if (e.offset >= 0) t.equal(d.error.offset, e.offset, "offset");
    if (typeof e.reason === "string") t.equal(reasonText(d.error.reason), e.reason, "reason");
    else t.match(reasonText(d.error.reason), e.reason, "reason");
    t.equal(d.error.report, e.report === undefined ? true : e.report, "report");
    if (e.info !== undefined) t.equal(d.error.info === null ? null : toHex(d.error.info), e.info === null ? null : toHex(hex(e.info)), "info");
  }
  return d;
}

function accepts(t: Test, protocol: Protocol, bytes: Uint8Array, d = W.createDecoder()) {
  const m = decode(d, protocol, bytes);
  t.not(m, null, "accepted" + (d.error ? ": " + reasonText(d.error.reason) : ""));
  return m;
}

/** ASAP message of `type` (flags 0) around the given parameters, length filled in. */
function asapMsg(type: number, ...params: string[]): Uint8Array {
  const body = hex(...params);
  const out = new Uint8Array(4 + body.length);
  out.set([type, 0, out.length >> 8, out.length & 0xff]);
  out.set(body, 4);
  return out;
}
function enrpMsg(type: number, ...params: string[]): Uint8Array {
  return asapMsg(type, "a0000001 a0000002", ...params);
}

const PH = "0009 0008 6563686f";
const PEID = "000e 0008 00001234";
const SCTP = "0004 0010 0007 0001 0001 0008 7f000001";
const RR = "0008 0008 00000001";
const PE = "000a 0028 00001234 00000000 00007530" + SCTP + RR;
const ASAPT = "0004 0010 0f17 0000 0001 0008 7f000001";
const PE_ENRP = "000a 0038 00001234 00000000 00007530" + SCTP + RR + ASAPT;
const INVALID = W.CAUSE_INVALID_VALUES;

t.test("message framing", async (t) => {
  for (const v of ALL_VECTORS) {
    for (const lie of [v.bytes.length + 4, v.bytes.length - 4, 0, 0xffff]) {
      const b = v.bytes.slice();
      b[2] = (lie >> 8) & 0xff;
      b[3] = lie & 0xff;
      rejects(t, v.protocol, b, {
        cause: W.CAUSE_UNSPECIFIED,
        offset: 2,
        reason: "message length field does not match the message size",
        info: null,
      });
    }
  }
  for (let n = 0; n < 4; n++) {
    const d = W.createDecoder();
    t.equal(W.decodeAsap(d, hex("0b000010"), 0, n), null);
    t.equal(reasonText(d.error!.reason), "message shorter than its header");
  }
  // A cookie message without its final padding: length 13.
  rejects(t, "asap", hex("0b 00 000d 000d 0009 0102030405"), {
    cause: W.CAUSE_UNSPECIFIED,
    offset: 2,
    reason: "message length is not a multiple of 4",
  });
  // ENRP messages shorter than their fixed fields.
  rejects(t, "enrp", hex("05 00 0008 a0000001"), { cause: INVALID, offset: 0, reason: "message shorter than its fixed fields" });
  rejects(t, "enrp", hex("07 00 000c a0000001 a0000002"), { cause: INVALID, offset: 0, reason: "message shorter than its fixed fields" });
  rejects(t, "enrp", hex("04 00 000c a0000001 a0000002"), { cause: INVALID, offset: 0, reason: "message shorter than its fixed fields" });
  rejects(t, "asap", hex("07 00 0004"), { cause: INVALID, offset: 0, reason: "message shorter than its fixed fields" });
  rejects(t, "asap", hex("0a 00 0004"), { cause: INVALID, offset: 0, reason: "message shorter than its fixed fields" });
});

t.test("unusable buffer ranges are refused without an exception", async (t) => {
  const d = W.createDecoder();
  const b = hex("05 00 000c", PH);
  const cases: [unknown, unknown, unknown][] = [
    [b, -1, 12],
    [b, 0, 13],
    [b, 4, 12],
    [b, NaN, 12],
    [b, 0, NaN],
    [b, 0.5, 8],
    [b, "0", 12],
    [null, 0, 0],
    [undefined, 0, 0],
    [{ length: 12 }, 0, 12],
    [[5, 0, 0, 12], 0, 4],
  ];
  for (const [bytes, offset, length] of cases) {
    for (const protocol of ["asap", "enrp"] as const) {
      const r = decode(d, protocol, bytes as Uint8Array, offset as number, length as number);
      t.equal(r, null);
      t.equal(errorShapeProblem(d, 1e9), "", "structured: " + String(offset) + "/" + String(length));
    }
  }
});

t.test("truncation at every byte", async (t) => {
  let failures = 0;
  let accepted = 0;
  for (const v of ALL_VECTORS) {
    const d = W.createDecoder();
    for (let k = 0; k < v.bytes.length; k++) {
      // As given: the length field no longer matches.
      t.equal(decode(d, v.protocol, v.bytes, 0, k), null);
      if (errorShapeProblem(d, k) !== "") failures++;
      // With the length field patched to the cut: the inside must be checked.
      const cut = v.bytes.slice(0, k);
      if (k >= 4) {
        cut[2] = k >> 8;
        cut[3] = k & 0xff;
      }
      const m = decode(d, v.protocol, cut);
      if (m === null) {
        if (errorShapeProblem(d, k) !== "") failures++;
      } else {
        // Only a message that ends on a parameter boundary with optional
        // parameters dropped may pass, and it must re-encode to the same bytes.
        accepted++;
        t.equal(toHex(encode(W.createWriter(16), v.protocol, m)), toHex(cut), v.name + " cut at " + k + " re-encodes");
      }
    }
  }
  t.equal(failures, 0, "every rejection structured");
  t.ok(accepted > 0 && accepted < 100, "a few cuts are themselves valid messages (" + accepted + ")");
});

t.test("parameter lengths", async (t) => {
  // RFC 5354 s2: length below 4.
  rejects(t, "asap", asapMsg(2, "0009 0003 65000000", PEID), {
    cause: INVALID,
    offset: 4,
    reason: "parameter length below 4",
    info: "0009 0003",
  });
  // Past the message.
  rejects(t, "asap", asapMsg(2, "0009 0100 6563686f", PEID), {
    cause: INVALID,
    offset: 4,
    reason: "parameter length exceeds its container",
  });
  // An address whose length passes its transport (RFC 5354 s3.4).
  rejects(t, "asap", asapMsg(1, PH, "000a 0028 00001234 00000000 00007530", "0004 0010 0007 0001 0001 000c 7f000001", RR), {
    cause: INVALID,
    offset: 36,
    reason: "parameter length exceeds its container",
  });
  // A transport whose length passes its pool element.
  rejects(t, "asap", asapMsg(1, PH, "000a 0028 00001234 00000000 00007530", "0004 0020 0007 0001 0001 0008 7f000001", RR), {
    cause: INVALID,
    offset: 28,
    reason: "parameter length exceeds its container",
  });
  // Two bytes left inside a transport: not even a TLV header.
  rejects(
    t,
    "asap",
    asapMsg(1, PH, "000a 002c 00001234 00000000 00007530", "0004 0012 0007 0001 0001 0008 7f000001 0000 0000", RR),
    { cause: INVALID, offset: 44, reason: "truncated parameter header" }
  );
  // Fixed-size parameters with the wrong length.
  rejects(t, "asap", asapMsg(2, PH, "000e 000c 00001234 00000000"), { cause: INVALID, offset: 12, reason: "PE identifier length is not 8" });
  rejects(t, "asap", asapMsg(5, PH, "803f 0006 0000 0000"), { cause: INVALID, offset: 12, reason: "handle resolution option length is not 8" });
  rejects(t, "enrp", enrpMsg(1, "000f 0008 beef0000"), { cause: INVALID, offset: 12, reason: "PE checksum length is not 6" });
  rejects(t, "asap", asapMsg(10, "a0000001", "0004 0014 0007 0001 0001 000c 7f000001 00000000"), {
    cause: INVALID,
    offset: 16,
    reason: "IPv4 address parameter length is not 8",
  });
  rejects(t, "asap", asapMsg(10, "a0000001", "0004 0018 0007 0001 0002 0010 00000000 00000000 00000000"), {
    cause: INVALID,
    offset: 16,
    reason: "IPv6 address parameter length is not 20",
  });
  rejects(t, "asap", asapMsg(10, "a0000001", "0003 0008 0007 0000"), { cause: INVALID, offset: 8, reason: "transport parameter too short" });
  rejects(t, "asap", asapMsg(1, PH, "000a 000c 00001234 00000000"), { cause: INVALID, offset: 12, reason: "pool element parameter too short" });
  rejects(t, "enrp", enrpMsg(6, "000b 0004"), { cause: INVALID, offset: 12, reason: "server information parameter too short" });
  rejects(t, "asap", asapMsg(6, PH, "0008 0006 0000 0000"), { cause: INVALID, offset: 12, reason: "policy parameter too short" });
  rejects(t, "asap", asapMsg(6, PH, "0008 000c 00000001 00000000"), { cause: INVALID, offset: 12, reason: "policy length does not match its type" });
  rejects(t, "asap", asapMsg(6, PH, "0008 000c 40000002 00000000"), { cause: INVALID, offset: 12, reason: "policy length does not match its type" });
  rejects(t, "asap", asapMsg(11, "000d 0004"), { cause: INVALID, offset: 4, reason: "empty cookie" });
  rejects(t, "asap", asapMsg(2, "0009 0004", PEID), { cause: INVALID, offset: 4, reason: "empty pool handle" });
});

t.test("padding", async (t) => {
  // Non-zero padding is a problem, not an error; the encoder writes zeros.
  const b = asapMsg(11, "000d 0009 0102030405 00ff00");
  const d = W.createDecoder();
  const m = accepts(t, "asap", b, d);
  t.strictSame(d.problems.map((p) => [reasonText(p.reason), p.offset, p.cause, p.info]), [["non-zero padding", 14, W.CAUSE_UNSPECIFIED, null]]);
  t.equal(toHex(encode(W.createWriter(8), "asap", m!)), toHex(asapMsg(11, "000d 0009 0102030405 000000")));
  // Missing padding after a 5-byte pool handle: the next TLV's header is read
  // as padding (a problem) and what remains does not parse.
  const d2 = rejects(t, "asap", hex("02 00 0014 0009 0005 65 000e 0008 0000 1234 000000"), {
    cause: INVALID,
    offset: 12,
    reason: "parameter length exceeds its container",
  });
  t.equal(reasonText(d2.problems[0].reason), "non-zero padding");
  t.equal(d2.problems[0].offset, 10);
  // Non-zero padding inside a container and inside an error cause.
  const d3 = W.createDecoder();
  accepts(t, "asap", asapMsg(14, "000c 0010", "0001 000a c123 0006 abcd 0001"), d3);
  t.strictSame(d3.problems.map((p) => p.offset), [19]);
});

t.test("reserved bits and fields", async (t) => {
  const d = W.createDecoder();
  const b = asapMsg(2, PH, PEID);
  b[1] = 0x80;
  const m = accepts(t, "asap", b, d);
  t.equal(m!.flags, 0x80, "flags kept as received");
  t.strictSame(d.problems.map((p) => [reasonText(p.reason), p.offset]), [["reserved flag bits set", 1]]);
  // Defined flags are not problems.
  const r = asapMsg(3, PH, PEID);
  r[1] = 0x01;
  accepts(t, "asap", r, d);
  t.strictSame(d.problems, []);
  const h = enrpMsg(3);
  h[1] = 0x03;
  accepts(t, "enrp", h, d);
  t.strictSame(d.problems, []);
  h[1] = 0x07;
  accepts(t, "enrp", h, d);
  t.equal(d.problems.length, 1);
  // UDP transport reserved field, HANDLE_UPDATE reserved field.
  accepts(t, "asap", asapMsg(10, "a0000001", "0006 0010 0035 0001 0001 0008 7f000001"), d);
  t.strictSame(d.problems.map((p) => [reasonText(p.reason), p.offset]), [["reserved field set", 14]]);
  accepts(t, "enrp", enrpMsg(4, "0000 0001", PH, PE_ENRP), d);
  t.strictSame(d.problems.map((p) => [reasonText(p.reason), p.offset]), [["reserved field set", 14]]);
});

t.test("enumerated values", async (t) => {
  rejects(t, "asap", asapMsg(10, "a0000001", "0004 0010 0007 0002 0001 0008 7f000001"), { cause: INVALID, offset: 8, reason: "unknown transport use" });
  rejects(t, "asap", asapMsg(10, "a0000001", "0005 0010 0007 ffff 0001 0008 7f000001"), { cause: INVALID, offset: 8, reason: "unknown transport use" });
  rejects(t, "enrp", enrpMsg(4, "0002 0000", PH, PE_ENRP), { cause: INVALID, offset: 12, reason: "unknown update action", info: null });
});

t.test("unknown message types", async (t) => {
  for (const type of [0, 15, 0x80, 0xff]) {
    const b = asapMsg(type, PH);
    rejects(t, "asap", b, { cause: W.CAUSE_UNRECOGNIZED_MESSAGE, offset: 0, reason: "unrecognized message type", info: toHex(b) });
  }
  for (const type of [0, 11, 0xee, 0xff]) {
    const b = enrpMsg(type);
    rejects(t, "enrp", b, { cause: W.CAUSE_UNRECOGNIZED_MESSAGE, offset: 0, reason: "unrecognized message type", info: toHex(b) });
  }
});

t.test("unknown parameters and their action bits (RFC 5354 s2)", async (t) => {
  const unknown = (action: number) => ((action | 0x0030) >>> 0).toString(16).padStart(4, "0") + " 0008 11223344";
  for (const [where, make, offset] of [
    ["between message parameters", (x: string) => asapMsg(2, PH, x, PEID), 12],
    ["in a transport", (x: string) => asapMsg(10, "a0000001", "0004 0018 0007 0001", x, "0001 0008 7f000001"), 16],
    [
      "in a pool element",
      (x: string) => asapMsg(1, PH, "000a 0030 00001234 00000000 00007530", SCTP, x, RR),
      44,
    ],
    ["in an ENRP message", (x: string) => enrpMsg(2, x), 12],
  ] as const) {
    t.test(where, async (t) => {
      // 00: stop, discard, report nothing.
      rejects(t, where.startsWith("in an ENRP") ? "enrp" : "asap", make(unknown(0x0000)), {
        cause: W.CAUSE_UNRECOGNIZED_PARAMETER,
        offset,
        reason: "unrecognized parameter (stop)",
        report: false,
        info: unknown(0x0000),
      });
      // 01: stop, report the parameter.
      rejects(t, where.startsWith("in an ENRP") ? "enrp" : "asap", make(unknown(0x4000)), {
        cause: W.CAUSE_UNRECOGNIZED_PARAMETER,
        offset,
        reason: "unrecognized parameter (stop and report)",
        report: true,
        info: unknown(0x4000),
      });
      // 10: skip silently (a local problem note, nothing to report).
      const d = W.createDecoder();
      accepts(t, where.startsWith("in an ENRP") ? "enrp" : "asap", make(unknown(0x8000)), d);
      t.strictSame(
        d.problems.map((p) => [reasonText(p.reason), p.offset, p.cause, p.info]),
        [["unrecognized parameter skipped", offset, W.CAUSE_UNSPECIFIED, null]]
      );
      // 11: skip, and hand the TLV to the caller to report.
      accepts(t, where.startsWith("in an ENRP") ? "enrp" : "asap", make(unknown(0xc000)), d);
      t.strictSame(
        d.problems.map((p) => [reasonText(p.reason), p.offset, p.cause, p.info && toHex(p.info)]),
        [["unrecognized parameter skipped and reported", offset, W.CAUSE_UNRECOGNIZED_PARAMETER, toHex(hex(unknown(0xc000)))]]
      );
    });
  }
  // An odd-length unknown TLV: info is the TLV as declared, without padding.
  const d = W.createDecoder();
  accepts(t, "asap", asapMsg(2, PH, "c030 0005 aa 000000", PEID), d);
  t.equal(toHex(d.problems[0].info!), "c03000 05aa".replace(/ /g, ""));
  // rsplib's Handle Resolution Option is ASAP-only: ENRP skips it (action 10).
  accepts(t, "enrp", enrpMsg(5, "803f 0008 00000003"), d);
  t.equal(reasonText(d.problems[0].reason), "unrecognized parameter skipped");
  // A known parameter in the wrong place is not "unknown".
  rejects(t, "asap", asapMsg(2, PH, "803f 0008 00000003", PEID), { cause: INVALID, offset: 12, reason: "unexpected parameter" });
});

t.test("content models: order, missing and extra parameters", async (t) => {
  const cases: [string, Protocol, Uint8Array, Expect][] = [
    ["REGISTRATION with PE before PH", "asap", asapMsg(1, PE, PH), { cause: INVALID, offset: 4, reason: "unexpected parameter" }],
    ["REGISTRATION without PE", "asap", asapMsg(1, PH), { cause: INVALID, offset: 12, reason: "missing pool element parameter", info: null }],
    ["REGISTRATION without anything", "asap", asapMsg(1), { cause: INVALID, offset: 4, reason: "missing pool handle parameter" }],
    ["REGISTRATION with two PEs", "asap", asapMsg(1, PH, PE, PE), { cause: INVALID, offset: 52, reason: "unexpected parameter" }],
    ["DEREGISTRATION without PE-ID", "asap", asapMsg(2, PH), { cause: INVALID, offset: 12, reason: "missing PE identifier parameter" }],
    ["DEREGISTRATION with an extra cookie", "asap", asapMsg(2, PH, PEID, "000d 0005 01000000"), { cause: INVALID, offset: 20, reason: "unexpected parameter" }],
    ["DEREGISTRATION with two pool handles", "asap", asapMsg(2, PH, PH, PEID), { cause: INVALID, offset: 12, reason: "unexpected parameter" }],
    ["REGISTRATION_RESPONSE error before PE-ID", "asap", asapMsg(3, PH, "000c 0008 0006 0004", PEID), { cause: INVALID, offset: 12, reason: "unexpected parameter" }],
    ["HANDLE_RESOLUTION_RESPONSE PE before policy", "asap", asapMsg(6, PH, PE, RR), { cause: INVALID, offset: 52, reason: "unexpected parameter" }],
    ["HANDLE_RESOLUTION_RESPONSE two policies", "asap", asapMsg(6, PH, RR, RR), { cause: INVALID, offset: 20, reason: "unexpected parameter" }],
    ["HANDLE_RESOLUTION_RESPONSE error before PEs", "asap", asapMsg(6, PH, "000c 0008 0006 0004", PE), { cause: INVALID, offset: 20, reason: "unexpected parameter" }],
    ["BUSINESS_CARD without PE", "asap", asapMsg(13, PH, RR), { cause: INVALID, offset: 20, reason: "missing pool element parameter" }],
    ["SERVER_ANNOUNCE with a pool handle", "asap", asapMsg(10, "a0000001", PH), { cause: INVALID, offset: 8, reason: "unexpected parameter" }],
    ["COOKIE without cookie", "asap", asapMsg(11), { cause: INVALID, offset: 4, reason: "missing cookie parameter" }],
    ["ERROR without operation error", "asap", asapMsg(14, PH), { cause: INVALID, offset: 4, reason: "unexpected parameter" }],
    ["PE without policy", "asap", asapMsg(1, PH, "000a 0020 00001234 00000000 00007530", SCTP), { cause: INVALID, offset: 44, reason: "missing policy parameter" }],
    ["PE without user transport", "asap", asapMsg(1, PH, "000a 0018 00001234 00000000 00007530", RR), { cause: INVALID, offset: 28, reason: "unexpected parameter" }],
    ["PE with two policies", "asap", asapMsg(1, PH, "000a 0030 00001234 00000000 00007530", SCTP, RR, RR), { cause: INVALID, offset: 52, reason: "unexpected parameter" }],
    ["transport without address", "asap", asapMsg(10, "a0000001", "0004 0008 0007 0001"), { cause: INVALID, offset: 8, reason: "transport without address" }],
    [
      "UDP transport with two addresses",
      "asap",
      asapMsg(10, "a0000001", "0006 0018 0035 0000 0001 0008 7f000001 0001 0008 7f000002"),
      { cause: INVALID, offset: 8, reason: "more than one address in a single-homed transport" },
    ],
    ["transport holding a pool handle", "asap", asapMsg(10, "a0000001", "0004 0010 0007 0001", PH), { cause: INVALID, offset: 16, reason: "unexpected parameter in transport" }],
    ["PRESENCE without checksum", "enrp", enrpMsg(1), { cause: INVALID, offset: 12, reason: "missing PE checksum parameter" }],
    ["LIST_REQUEST with a parameter", "enrp", enrpMsg(5, PH), { cause: INVALID, offset: 12, reason: "unexpected parameter" }],
    ["INIT_TAKEOVER with a parameter", "enrp", asapMsg(7, "a0000001 a0000002 a0000003", PH), { cause: INVALID, offset: 16, reason: "unexpected parameter" }],
    ["HANDLE_TABLE_RESPONSE pool handle without PE", "enrp", enrpMsg(3, PH), { cause: INVALID, offset: 20, reason: "missing pool element parameter" }],
    ["HANDLE_TABLE_RESPONSE PE first", "enrp", enrpMsg(3, PE_ENRP), { cause: INVALID, offset: 12, reason: "unexpected parameter" }],
    ["HANDLE_UPDATE PE without ASAP transport", "enrp", enrpMsg(4, "0000 0000", PH, PE), { cause: INVALID, offset: 24, reason: "pool element without ASAP transport" }],
    ["HANDLE_UPDATE without PE", "enrp", enrpMsg(4, "0000 0000", PH), { cause: INVALID, offset: 24, reason: "missing pool element parameter" }],
    ["LIST_RESPONSE with a pool handle", "enrp", enrpMsg(6, PH), { cause: INVALID, offset: 12, reason: "unexpected parameter" }],
    ["ENRP ERROR without operation error", "enrp", enrpMsg(10), { cause: INVALID, offset: 12, reason: "missing operation error parameter" }],
    ["server information without transport", "enrp", enrpMsg(6, "000b 0008 a0000001"), { cause: INVALID, offset: 20, reason: "missing transport parameter" }],
    ["server information with two transports", "enrp", enrpMsg(6, "000b 0028 a0000001", ASAPT, ASAPT), { cause: INVALID, offset: 36, reason: "unexpected parameter" }],
  ];
  for (const [name, protocol, bytes, e] of cases) t.test(name, async (t) => void rejects(t, protocol, bytes, e));
});

t.test("configured limits", async (t) => {
  const d = W.createDecoder();
  d.maxPoolElements = 2;
  rejects(t, "asap", asapMsg(6, PH, RR, PE, PE, PE), { cause: W.CAUSE_LACK_OF_RESOURCES, offset: 100, reason: "too many pool elements" }, d);
  accepts(t, "asap", asapMsg(6, PH, RR, PE, PE), d);
  rejects(t, "enrp", enrpMsg(3, PH, PE_ENRP, PH, PE_ENRP, PE_ENRP), { cause: W.CAUSE_LACK_OF_RESOURCES, offset: 140, reason: "too many pool elements" }, d);
  d.maxPoolHandleLength = 3;
  rejects(t, "asap", asapMsg(2, PH, PEID), { cause: INVALID, offset: 4, reason: "pool handle too long" }, d);
  d.maxPoolHandleLength = 4;
  accepts(t, "asap", asapMsg(2, PH, PEID), d);
  d.maxAddresses = 2;
  const a = "0001 0008 7f000001";
  accepts(t, "asap", asapMsg(10, "a0000001", "0004 0018 0007 0001", a, a), d);
  rejects(t, "asap", asapMsg(10, "a0000001", "0004 0020 0007 0001", a, a, a), { cause: W.CAUSE_LACK_OF_RESOURCES, offset: 32, reason: "too many addresses" }, d);
  // Default limits: 64 addresses, 255-byte pool handles.
  const d2 = W.createDecoder();
  t.equal(d2.maxAddresses, 64);
  t.equal(d2.maxPoolHandleLength, 255);
  t.equal(d2.maxPoolElements, 1024);
  const many = a.repeat(65);
  rejects(t, "asap", asapMsg(10, "a0000001", "0004 " + (8 + 65 * 8).toString(16).padStart(4, "0") + " 0007 0001", many), {
    cause: W.CAUSE_LACK_OF_RESOURCES,
    offset: 16 + 64 * 8,
    reason: "too many addresses",
  }, d2);
  const longHandle = "61".repeat(256);
  rejects(t, "asap", asapMsg(2, "0009 0104 " + longHandle, PEID), { cause: INVALID, offset: 4, reason: "pool handle too long" }, d2);
});

t.test("unknown policy types", async (t) => {
  for (const type of ["00000000", "00000006", "40000000", "40000005", "b0001000", "b0001005", "b0002000", "b0002006", "ffffffff"]) {
    const tlv = "0008 000c " + type + " 00000000";
    rejects(t, "asap", asapMsg(6, PH, tlv), { cause: INVALID, offset: 12, reason: "unknown policy type", info: tlv });
    // Inside a pool element too.
    rejects(t, "asap", asapMsg(1, PH, "000a 002c 00001234 00000000 00007530", SCTP, tlv), {
      cause: INVALID,
      offset: 44,
      reason: "unknown policy type",
      info: tlv,
    });
  }
});

t.test("operation errors and error causes", async (t) => {
  rejects(t, "asap", asapMsg(14, "000c 0004"), { cause: INVALID, offset: 4, reason: "operation error without causes" });
  rejects(t, "asap", asapMsg(14, "000c 0008 0001 0002"), { cause: INVALID, offset: 8, reason: "error cause length below 4" });
  rejects(t, "asap", asapMsg(14, "000c 0008 0001 0010"), { cause: INVALID, offset: 8, reason: "error cause length exceeds its container" });
  rejects(t, "asap", asapMsg(14, "000c 000c 0006 0004 0000 0000"), { cause: INVALID, offset: 12, reason: "error cause length below 4" });
  // Cause 0x5 must carry a policy, 0x7 a transport (RFC 5354 s3.12).
  rejects(t, "asap", asapMsg(14, "000c 0010 0005 000c", PEID), { cause: INVALID, offset: 12, reason: "error cause does not carry a policy" });
  rejects(t, "asap", asapMsg(14, "000c 0010 0007 000c", PEID), { cause: INVALID, offset: 12, reason: "error cause does not carry a transport" });
  // A carried policy or transport that does not decode.
  rejects(t, "asap", asapMsg(14, "000c 0014 0005 0010 0008 000c 12345678 00000000"), { cause: INVALID, offset: 12, reason: "unknown policy type" });
  // One parameter, nothing after it.
  rejects(t, "asap", asapMsg(14, "000c 0014 0001 0010", PEID, "00000000"), { cause: INVALID, offset: 20, reason: "trailing bytes in error cause" });
  rejects(t, "asap", asapMsg(14, "000c 0010 0001 000c 000e 0010 00001234"), { cause: INVALID, offset: 12, reason: "parameter length exceeds its container" });
  // Cause 0x2 carries a whole message with a true length.
  rejects(t, "asap", asapMsg(14, "000c 0010 0002 000c 05 00 0010 00000000"), { cause: INVALID, offset: 12, reason: "bad message length in error cause" });
  rejects(t, "asap", asapMsg(14, "000c 000c 0002 0008 0500 0008"), { cause: INVALID, offset: 12, reason: "bad message length in error cause" });
  rejects(t, "asap", asapMsg(14, "000c 000c 0002 0006 0500 0000"), { cause: INVALID, offset: 12, reason: "truncated message in error cause" });
  rejects(t, "asap", asapMsg(14, "000c 000c 0002 0007 050000 00"), { cause: INVALID, offset: 12, reason: "truncated message in error cause" });
  // A carried message of a known type is walked: its parameters must be framed.
  rejects(t, "asap", asapMsg(14, "000c 0014 0002 0010 05 00 000c 0009 0009 6563686f"), { cause: INVALID, offset: 16, reason: "parameter length exceeds its container" });
  // Unknown carried types: an ASAP body is walked as parameters, an ENRP body is opaque (as Wireshark).
  rejects(t, "asap", asapMsg(14, "000c 0010 0002 000c 20 00 0008 01020304"), { cause: INVALID, offset: 16, reason: "parameter length exceeds its container" });
  accepts(t, "enrp", enrpMsg(10, "000c 0014 0002 0010 20 00 000c a0000001 01020304"));
  // Cause 0x3 with a parameter that does not decode is still accepted (best effort).
  const d = W.createDecoder();
  const m = accepts(t, "asap", asapMsg(14, "000c 0010 0003 000c 0008 0008 12345678"), d);
  t.equal(m!.error!.causes[0].policy, null);
  t.equal(m!.error!.causes[0].parameter!.type, W.PARAM_POLICY);
  t.strictSame(d.problems, []);
  // Empty information is accepted for every cause (rsplib sends 0x2 and 0x3 so).
  for (let code = 0; code <= 0xa; code++) {
    const e = accepts(t, "asap", asapMsg(14, "000c 0008 " + code.toString(16).padStart(4, "0") + " 0004"), d);
    t.equal(e!.error!.causes[0].info.length, 0);
  }
  // Several causes in one Operation Error.
  const several = accepts(t, "asap", asapMsg(14, "000c 0018 0006 0004 0009 0004 0001 000c", PEID), d);
  t.strictSame(several!.error!.causes.map((c) => c.code), [6, 9, 1]);
});

/** ASAP_ERROR whose cause 0x2 carries `inner` (RFC 5354 s3.12). */
function wrapMessage(inner: Uint8Array): Uint8Array {
  const causeLength = 4 + inner.length;
  return asapMsg(14, "000c " + (4 + causeLength).toString(16).padStart(4, "0"), "0002 " + causeLength.toString(16).padStart(4, "0"), toHex(inner));
}
/** ASAP_ERROR whose cause 0x1 carries an Operation Error parameter holding `causeHex`. */
function wrapParameter(causeHex: string): string {
  const inner = hex(causeHex);
  const opLength = 4 + inner.length;
  return "0001 " + (4 + opLength).toString(16).padStart(4, "0") + " 000c " + opLength.toString(16).padStart(4, "0") + toHex(inner);
}

t.test("nesting: carried messages and parameters are bounded", async (t) => {
  let m = asapMsg(14, "000c 0008 0006 0004");
  let depth = 0;
  const d = W.createDecoder();
  let lastAccepted = -1;
  for (depth = 1; depth <= 12; depth++) {
    m = wrapMessage(m);
    const r = decode(d, "asap", m);
    if (r !== null) {
      lastAccepted = depth;
      t.equal(r.error!.causes[0].messageType, W.ASAP_ERROR);
    } else {
      t.equal(reasonText(d.error!.reason), "nesting too deep", "depth " + depth);
      t.equal(d.error!.cause, INVALID);
      t.equal(errorShapeProblem(d, m.length), "");
    }
  }
  t.ok(lastAccepted >= 3, "a few levels are fine (" + lastAccepted + ")");
  t.ok(lastAccepted < 12, "deep nesting is refused");
  // A smaller configured depth refuses sooner.
  const shallow = W.createDecoder();
  shallow.maxNestingDepth = 2;
  rejects(t, "asap", wrapMessage(wrapMessage(asapMsg(14, "000c 0008 0006 0004"))), { cause: INVALID, offset: 16, reason: "nesting too deep" }, shallow);
  // Nesting through carried Operation Error parameters is bounded as well.
  let c = "0006 0004";
  for (depth = 0; depth < 12; depth++) c = wrapParameter(c);
  const b = asapMsg(14, "000c " + (4 + hex(c).length).toString(16).padStart(4, "0"), c);
  rejects(t, "asap", b, { cause: INVALID, offset: -1, reason: "nesting too deep" });
});
