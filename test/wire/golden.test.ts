// Golden vectors: hand-built bytes decode to the expected records and the
// records encode back to the same bytes.

import t from "tap";
import * as W from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import { ALL_VECTORS, decode, encode, hex, plain, policyMessage, shape, toHex, asap, ECHO, policy } from "./vectors.js";

for (const v of ALL_VECTORS) {
  t.test(v.name, async (t) => {
    const d = W.createDecoder();
    const decoded = decode(d, v.protocol, v.bytes);
    t.equal(d.error, null, "decodes without error");
    t.strictSame(d.problems, [], "no problems");
    t.strictSame(plain(decoded), plain(v.message), "decodes to the expected record");
    t.equal(shape(decoded), shape(v.message), "same record shape as the constructors'");
    const w = W.createWriter(64);
    const bytes = encode(w, v.protocol, v.message);
    t.equal(toHex(bytes), toHex(v.bytes), "encodes to the same bytes");
    // Decoding at an offset inside a larger buffer gives the same result.
    const padded = new Uint8Array(v.bytes.length + 12);
    padded.set(v.bytes, 7);
    const again = decode(d, v.protocol, padded, 7, v.bytes.length);
    t.strictSame(plain(again), plain(v.message), "decodes at an offset");
  });
}

t.test("byte fields are views into the input (no copy)", async (t) => {
  const v = ALL_VECTORS.find((x) => x.name === "ASAP_REGISTRATION")!;
  const d = W.createDecoder();
  const m = W.decodeAsap(d, v.bytes, 0, v.bytes.length)!;
  t.equal(m.poolHandle!.buffer, v.bytes.buffer);
  t.equal(m.poolHandle!.byteOffset, 8);
  t.equal(m.poolElements[0].userTransport.addresses[0].buffer, v.bytes.buffer);
});

t.test("old rsplib PLU and RPLU without load degradation decode with a problem", async (t) => {
  for (const [tlv, type] of [
    ["0008 000c 40000003 00000010", W.POLICY_PRIORITY_LEAST_USED],
    ["0008 000c b0001001 00000010", W.POLICY_RANDOMIZED_PRIORITY_LEAST_USED],
  ] as const) {
    const d = W.createDecoder();
    const m = W.decodeAsap(d, policyMessage(tlv), 0, policyMessage(tlv).length);
    t.strictSame(plain(m), plain(asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, { poolHandle: ECHO, policy: policy(type, { load: 0x10 }) })));
    t.equal(d.problems.length, 1);
    t.match(reasonText(d.problems[0].reason), /load degradation/);
    t.equal(d.problems[0].offset, 12);
  }
});

t.test("ErrorCause.parameter/policy/transport are written when info is empty", async (t) => {
  const w = W.createWriter(8);
  const c = W.newErrorCause(W.CAUSE_INCONSISTENT_POLICY, new Uint8Array(0));
  c.policy = policy(W.POLICY_WEIGHTED_ROUND_ROBIN, { weight: 3 });
  const m = asap(W.ASAP_ERROR, { error: W.newOperationError([c]) });
  // RFC 5354 s3.12: cause 0x5 carrying the policy parameter.
  t.equal(toHex(W.encodeAsap(w, m)), toHex(hex("0e 00 0018", "000c 0014", "0005 0010", "0008 000c 00000002 00000003")));
  const r = W.newErrorCause(W.CAUSE_UNRECOGNIZED_PARAMETER, new Uint8Array(0));
  r.parameter = W.newRawParameter(0xc123, hex("abcd"));
  // The raw parameter is padded inside the cause.
  t.equal(
    toHex(W.encodeAsap(w, asap(W.ASAP_ERROR, { error: W.newOperationError([r]) }))),
    toHex(hex("0e 00 0014", "000c 0010", "0001 000c", "c123 0006 abcd 0000"))
  );
  const tr = W.newErrorCause(W.CAUSE_INCONSISTENT_TRANSPORT, new Uint8Array(0));
  tr.transport = W.newTransport(W.PARAM_UDP_TRANSPORT, 53, 0, [hex("c0000201")]);
  t.equal(
    toHex(W.encodeAsap(w, asap(W.ASAP_ERROR, { error: W.newOperationError([tr]) }))),
    toHex(hex("0e 00 001c", "000c 0018", "0007 0014", "0006 0010 0035 0000 0001 0008 c0000201"))
  );
});

t.test("an rsplib-style cause whose padding is the operation error's padding", async (t) => {
  // rsplib writes the cause unpadded and pads the whole Operation Error:
  // Operation Error length 14 = 4 + cause (4 + 6-byte TLV), then 2 bytes of padding.
  const bytes = hex("0e 00 0014", "000c 000e", "0001 000a", "c123 0006 abcd", "0000");
  const d = W.createDecoder();
  const m = W.decodeAsap(d, bytes, 0, bytes.length);
  t.equal(d.error, null);
  t.equal(m!.error!.causes[0].parameter!.type, 0xc123);
  t.equal(toHex(m!.error!.causes[0].info), "c1230006abcd");
});
