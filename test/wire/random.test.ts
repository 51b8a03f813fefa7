// Seeded hostile inputs: random bytes and mutated golden vectors. Decoding
// never throws, every rejection is structured, and whatever is accepted
// re-encodes to something that decodes to the same record.

import t from "tap";
import type { Test } from "tap";
import * as W from "../../core/wire/index.js";
import { reasonText } from "../../core/wire/reason-text.js";
import { ALL_VECTORS, decode, encode, errorShapeProblem, plain } from "./vectors.js";
import { Rng } from "./generate.js";

type Protocol = "asap" | "enrp";

interface Tally {
  inputs: number;
  accepted: number;
  bad: string[];
}

function check(tally: Tally, d: W.Decoder, w: W.Writer, protocol: Protocol, bytes: Uint8Array, offset: number, length: number): void {
  tally.inputs++;
  let m;
  try {
    m = decode(d, protocol, bytes, offset, length);
  } catch (e) {
    tally.bad.push("threw: " + String(e));
    return;
  }
  if (m === null) {
    const why = errorShapeProblem(d, length);
    if (why !== "") tally.bad.push(why);
    return;
  }
  tally.accepted++;
  // Accepted records re-encode, and the encoding decodes to the same record.
  try {
    const again = encode(w, protocol, m).slice();
    const m2 = decode(d, protocol, again);
    if (m2 === null) tally.bad.push("re-encoding does not decode: " + reasonText(d.error!.reason));
    else if (JSON.stringify(plain(m2)) !== JSON.stringify(plain(m))) tally.bad.push("re-encoding decodes differently");
  } catch (e) {
    tally.bad.push("re-encoding threw: " + String(e));
  }
}

function report(t: Test, tally: Tally, name: string) {
  t.strictSame(tally.bad.slice(0, 5), [], name + ": no exception, every rejection structured (" + tally.inputs + " inputs, " + tally.accepted + " accepted)");
}

t.test("random bytes", async (t) => {
  const r = new Rng(0xc0ffee);
  const d = W.createDecoder();
  const w = W.createWriter(64);
  const tally: Tally = { inputs: 0, accepted: 0, bad: [] };
  for (let i = 0; i < 5000; i++) {
    const n = r.below(200);
    const bytes = r.bytes(n);
    const protocol: Protocol = i & 1 ? "asap" : "enrp";
    check(tally, d, w, protocol, bytes, 0, n);
    // With a plausible header: a known type and a true length, so the body is parsed.
    if (n >= 4) {
      const m = bytes.slice(0, n & ~3);
      m[0] = 1 + r.below(protocol === "asap" ? 14 : 10);
      m[2] = m.length >> 8;
      m[3] = m.length & 0xff;
      check(tally, d, w, protocol, m, 0, m.length);
    }
    // At an offset inside a larger buffer, with a random range.
    check(tally, d, w, protocol, bytes, r.below(n + 2), r.below(n + 2));
  }
  report(t, tally, "random bytes");
});

t.test("mutated golden vectors", async (t) => {
  const r = new Rng(0xfeed);
  const d = W.createDecoder();
  const w = W.createWriter(64);
  const tally: Tally = { inputs: 0, accepted: 0, bad: [] };
  for (let round = 0; round < 100; round++) {
    for (const v of ALL_VECTORS) {
      const m = v.bytes.slice();
      const edits = 1 + r.below(4);
      for (let e = 0; e < edits; e++) {
        const at = 4 + r.below(m.length - 4 || 1);
        switch (r.below(4)) {
          case 0:
            m[at] ^= 1 << r.below(8); // bit flip
            break;
          case 1:
            m[at] = r.below(256); // byte
            break;
          case 2:
            m[at] = r.pick([0x00, 0x01, 0x03, 0x04, 0x05, 0x40, 0x80, 0xc0, 0xff]); // edge value
            break;
          default:
            // A TLV-length-looking pair of bytes.
            m[at] = 0;
            if (at + 1 < m.length) m[at + 1] = r.below(32);
        }
      }
      check(tally, d, w, v.protocol, m, 0, m.length);
      // Also through the other protocol's decoder.
      check(tally, d, w, v.protocol === "asap" ? "enrp" : "asap", m, 0, m.length);
    }
  }
  t.ok(tally.accepted > 100, "some mutants are valid messages (" + tally.accepted + ")");
  report(t, tally, "mutated vectors");
});
