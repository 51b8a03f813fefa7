// Decoder reasons are numbers (core/wire/reasons.ts); their English text
// lives in core/wire/reason-text.ts, outside the shipped bundles.
import t from "tap";
import * as W from "../../core/wire/index.js";
import * as R from "../../core/wire/reasons.js";
import { reasonText } from "../../core/wire/reason-text.js";

const codes = Object.entries(R).filter(([name]) => name.startsWith("REASON_")) as [string, number][];

t.test("every reason number has its own text", async (t) => {
  t.ok(codes.length >= 55);
  const texts = new Map<string, string>();
  for (const [name, code] of codes) {
    if (name === "REASON_MISSING") continue; // a base, not a reason
    const text = reasonText(code);
    t.notMatch(text, /^reason /, `${name} has a text`);
    t.notOk(texts.has(text), `${name}: "${text}" is also ${texts.get(text)}`);
    texts.set(text, name);
  }
  t.equal(reasonText(0), "reason 0");
  t.equal(reasonText(56), "reason 56");
  t.equal(reasonText(1.5), "reason 1.5");
});

t.test("missing-parameter reasons follow the parameter type", async (t) => {
  t.equal(reasonText(R.REASON_MISSING_TRANSPORT), "missing transport parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_POLICY), "missing policy parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_POOL_HANDLE), "missing pool handle parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_POOL_ELEMENT), "missing pool element parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_SERVER_INFORMATION), "missing server information parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_OPERATION_ERROR), "missing operation error parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_COOKIE), "missing cookie parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_PE_IDENTIFIER), "missing PE identifier parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_PE_CHECKSUM), "missing PE checksum parameter");
  t.equal(reasonText(R.REASON_MISSING + W.PARAM_IPV4_ADDRESS), "missing parameter");
});

t.test("a rejection carries the number; the text is one call away", async (t) => {
  const d = W.createDecoder();
  t.equal(W.decodeAsap(d, new Uint8Array([1, 0, 0, 12, 0, 9, 0, 5, 0x41, 0, 0, 0]), 0, 12), null);
  t.equal(d.error?.reason, R.REASON_MISSING + W.PARAM_POOL_ELEMENT);
  t.equal(reasonText(d.error?.reason ?? 0), "missing pool element parameter");
});
