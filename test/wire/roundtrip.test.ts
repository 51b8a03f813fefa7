// Round trips: encode -> decode -> deep-equal -> encode -> same bytes, for
// every message type and every parameter type, from seeded random records.

import t from "tap";
import type { Test } from "tap";
import * as W from "../../core/wire/index.js";
import type { AsapMessage, EnrpMessage } from "../../core/wire/index.js";
import { decode, encode, plain, shape, toHex, asap, enrp, pe1, policy, sctp, transport, v4, v6, ECHO } from "./vectors.js";
import {
  ASAP_TYPES,
  ENRP_TYPES,
  POLICY_TYPES,
  Rng,
  TRANSPORT_TYPES,
  randomAsap,
  randomCause,
  randomEnrp,
  randomPolicy,
  randomTransport,
} from "./generate.js";

function roundTrip(t: Test, protocol: "asap" | "enrp", m: AsapMessage | EnrpMessage, label: string): void {
  const w = W.createWriter(16);
  const d = W.createDecoder();
  const first = encode(w, protocol, m).slice();
  const decoded = decode(d, protocol, first);
  if (decoded === null) {
    t.fail(label + ": decode failed: " + JSON.stringify(d.error && { ...d.error, info: null }));
    return;
  }
  t.strictSame(d.problems, [], label + ": no problems");
  t.strictSame(plain(decoded), plain(m), label + ": decodes to the same record");
  t.equal(shape(decoded), shape(m), label + ": same shape");
  const second = encode(w, protocol, decoded);
  t.equal(toHex(second), toHex(first), label + ": encodes to the same bytes");
}


t.test("every ASAP message type, seeded random contents", async (t) => {
  const r = new Rng(0x5eed1);
  for (const type of ASAP_TYPES) {
    for (let i = 0; i < 30; i++) roundTrip(t, "asap", randomAsap(r, type), "ASAP type " + type + " #" + i);
  }
});

t.test("every ENRP message type, seeded random contents", async (t) => {
  const r = new Rng(0x5eed2);
  for (const type of ENRP_TYPES) {
    for (let i = 0; i < 30; i++) roundTrip(t, "enrp", randomEnrp(r, type), "ENRP type " + type + " #" + i);
  }
});

t.test("every transport type as user transport, ASAP transport and announce", async (t) => {
  const r = new Rng(7);
  for (const type of TRANSPORT_TYPES) {
    const user = randomTransport(r, type);
    const pe = W.newPoolElement(1, 2, 3, user, policy(W.POLICY_ROUND_ROBIN), null);
    roundTrip(t, "asap", asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [pe] }), "user transport " + type);
    const enrpPe = W.newPoolElement(1, 2, 3, user, policy(W.POLICY_ROUND_ROBIN), randomTransport(r, type));
    roundTrip(t, "enrp", enrp(W.ENRP_HANDLE_UPDATE, { updateAction: 0, poolHandle: ECHO, poolElement: enrpPe }), "ASAP transport " + type);
    roundTrip(t, "asap", asap(W.ASAP_SERVER_ANNOUNCE, { serverIdentifier: 1, transports: [randomTransport(r, type)] }), "announce " + type);
  }
});

t.test("every policy type inside a pool element and as overall policy", async (t) => {
  const r = new Rng(11);
  for (const type of POLICY_TYPES) {
    const p = randomPolicy(r, type);
    const pe = W.newPoolElement(1, 2, 3, sctp(1, 0, v4("10.0.0.1")), p, null);
    roundTrip(t, "asap", asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [pe] }), "PE policy " + type.toString(16));
    roundTrip(t, "asap", asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, { poolHandle: ECHO, policy: randomPolicy(r, type) }), "policy " + type.toString(16));
  }
});

t.test("every error cause in ASAP and ENRP errors", async (t) => {
  const r = new Rng(13);
  for (let code = 0; code <= 0xa; code++) {
    for (let i = 0; i < 5; i++) {
      roundTrip(t, "asap", asap(W.ASAP_ERROR, { error: W.newOperationError([randomCause(r, code)]) }), "ASAP cause " + code);
      roundTrip(t, "enrp", enrp(W.ENRP_ERROR, { error: W.newOperationError([randomCause(r, code), randomCause(r)]) }), "ENRP cause " + code);
    }
  }
  // Codes beyond the RFC (rsplib's private ones) pass through with raw information.
  const c = W.newErrorCause(0xf004, new Uint8Array([1, 2, 3]));
  roundTrip(t, "asap", asap(W.ASAP_ERROR, { error: W.newOperationError([c]) }), "private cause 0xf004");
});

t.test("boundary values", async (t) => {
  const d = W.createDecoder();
  // Longest pool handle the default decoder accepts, shortest one.
  roundTrip(t, "asap", asap(W.ASAP_DEREGISTRATION, { poolHandle: new Uint8Array(255).fill(0x61), peIdentifier: 0xffffffff }), "PH 255");
  roundTrip(t, "asap", asap(W.ASAP_DEREGISTRATION, { poolHandle: new Uint8Array([0]), peIdentifier: 0 }), "PH 1");
  // 64 addresses in one SCTP transport (the default limit), IPv6 and IPv4 mixed.
  const many: Uint8Array[] = [];
  for (let i = 0; i < 64; i++) many.push(i % 2 ? v6("2001:db8::" + i.toString(16)) : v4("10.0.0." + i));
  const pe = W.newPoolElement(0xffffffff, 0xffffffff, -1, transport(W.PARAM_SCTP_TRANSPORT, 65535, 1, many), policy(W.POLICY_ROUND_ROBIN), null);
  roundTrip(t, "asap", asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [pe] }), "64 addresses");
  roundTrip(t, "asap", asap(W.ASAP_HANDLE_RESOLUTION, { poolHandle: ECHO, items: W.ITEMS_ALL }), "items all");
  roundTrip(t, "enrp", enrp(W.ENRP_PRESENCE, { checksum: 0xffff, senderServerIdentifier: 0xffffffff }), "checksum 0xffff");
  roundTrip(t, "asap", asap(W.ASAP_COOKIE, { cookie: new Uint8Array(60000) }), "60000-byte cookie");
  // 128 PEs in one response (rsplib's maximum).
  const pes = [];
  for (let i = 0; i < 128; i++) pes.push(pe1());
  roundTrip(t, "asap", asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, { poolHandle: ECHO, poolElements: pes }), "128 PEs");
  // Registration life is signed: large values come back negative, as on the wire.
  const life = W.newPoolElement(1, 1, -2147483648, sctp(1, 0, v4("1.2.3.4")), policy(W.POLICY_RANDOM), null);
  const bytes = W.encodeAsap(W.createWriter(8), asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [life] }));
  t.equal(W.decodeAsap(d, bytes, 0, bytes.length)!.poolElements[0].registrationLife, -2147483648);
});

t.test("the writer: growth doubles, the returned view is reused", async (t) => {
  const w = W.createWriter(16);
  t.equal(w.bytes.length, 16);
  const m = asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [pe1()] });
  const a = W.encodeAsap(w, m);
  t.equal(w.bytes.length, 64, "16 -> 32 -> 64 for a 52-byte message");
  t.equal(a.length, 52);
  t.equal(a.buffer, w.bytes.buffer, "a view of the writer's buffer");
  const buffer = w.bytes;
  const b = W.encodeAsap(w, m);
  t.equal(b, a, "same message again: the same view object");
  t.equal(w.bytes, buffer, "no new buffer");
  const c = W.encodeAsap(w, asap(W.ASAP_DEREGISTRATION, { poolHandle: ECHO, peIdentifier: 1 }));
  t.not(c, a, "another length: another view");
  t.equal(c.length, 20);
  const e = W.encodeAsap(w, asap(W.ASAP_COOKIE, { cookie: new Uint8Array(1000) }));
  t.equal(w.bytes.length, 1024, "doubles up to what fits");
  t.equal(e.length, 1008);
  t.equal(W.encodeAsap(w, m).length, 52, "shrinks back without reallocating");
  t.equal(w.bytes.length, 1024);
  t.equal(w.view_.buffer, w.bytes.buffer, "the DataView follows the buffer");
});

t.test("the encoder refuses records that cannot be encoded", async (t) => {
  const w = W.createWriter(16);
  t.throws(() => W.encodeAsap(w, W.newAsapMessage(W.ASAP_REGISTRATION)), /cannot encode poolHandle/);
  t.throws(() => W.encodeAsap(w, asap(W.ASAP_REGISTRATION, { poolHandle: ECHO })), /cannot encode poolElements/);
  t.throws(() => W.encodeAsap(w, W.newAsapMessage(99)), /cannot encode type/);
  t.throws(() => W.encodeEnrp(w, W.newEnrpMessage(0)), /cannot encode type/);
  t.throws(() => W.encodeEnrp(w, W.newEnrpMessage(W.ENRP_PRESENCE)), /cannot encode checksum/);
  t.throws(() => W.encodeAsap(w, asap(W.ASAP_COOKIE, { cookie: new Uint8Array(70000) })), /cannot encode length/);
  t.throws(() => W.encodeAsap(w, asap(W.ASAP_HANDLE_RESOLUTION_RESPONSE, { poolHandle: ECHO, policy: policy(0x12345678) })), /cannot encode policy\.type/);
  const bad = pe1();
  bad.userTransport.addresses = [new Uint8Array(5)];
  t.throws(() => W.encodeAsap(w, asap(W.ASAP_REGISTRATION, { poolHandle: ECHO, poolElements: [bad] })), /cannot encode address/);
});
