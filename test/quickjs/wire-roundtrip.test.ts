// The wire bundle (the same minified IIFE `npm run build` ships) inside
// QuickJS (quickjs-emscripten, release sync build) under a 1 MiB memory
// limit: a codec round trip runs in the VM and its result is checked here.
import t from "tap";
import { fileURLToPath } from "node:url";
import { newQuickJSWASMModule, RELEASE_SYNC, type QuickJSContext, type QuickJSWASMModule } from "quickjs-emscripten";
import * as wire from "../../core/wire/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LIMIT = 1024 * 1024;

interface Entry { name: string; entry: string; profile: string }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  bundle(entry: Entry, minify: boolean): Promise<{ code: string }>;
};
const wireEntry = build.ENTRIES.find((e) => e.name === "wire");
if (wireEntry === undefined) throw new Error("no wire entry in build/build.mjs");
const BUNDLE = (await build.bundle(wireEntry, true)).code;
const QuickJS: QuickJSWASMModule = await newQuickJSWASMModule(RELEASE_SYNC);

/** Evaluates `code` in `vm`; returns the dumped value or throws the VM's error as text. */
function evaluate(vm: QuickJSContext, code: string, name: string): unknown {
  const result = vm.evalCode(code, name);
  if (result.error !== undefined) {
    const error = vm.dump(result.error) as { name?: string; message?: string } | string;
    result.error.dispose();
    throw new Error(typeof error === "string" ? error : `${error.name}: ${error.message}`);
  }
  const value = vm.dump(result.value) as unknown;
  result.value.dispose();
  return value;
}

function withVm<T>(limit: number, body: (vm: QuickJSContext) => T): T {
  const rt = QuickJS.newRuntime();
  rt.setMemoryLimit(limit);
  const vm = rt.newContext();
  try {
    return body(vm);
  } finally {
    vm.dispose();
    rt.dispose();
  }
}

// Runs in the VM after the bundle: ES5 only, talks to the codec through RSP.
const ROUND_TRIP = `(function () {
  var W = RSP;
  var policy = W.newPolicy(W.POLICY_WEIGHTED_RANDOM);
  policy.weight = 7;
  var addresses = [W.parseAddress("192.0.2.1"), W.parseAddress("2001:db8::1")];
  var transport = W.newTransport(W.PARAM_SCTP_TRANSPORT, 4711, W.TRANSPORT_USE_DATA_PLUS_CONTROL, addresses);
  var message = W.newAsapMessage(W.ASAP_REGISTRATION);
  message.poolHandle = new Uint8Array([0x65, 0x63, 0x68, 0x6f, 0x2d, 0x71, 0x6a, 0x73]);
  message.poolElements = [{ identifier: 0x12345678, homeRegistrarIdentifier: 0, registrationLife: 30000,
    userTransport: transport, policy: policy, asapTransport: null }];
  var first = Array.prototype.slice.call(W.encodeAsap(W.createWriter(16), message));
  var decoder = W.createDecoder();
  var decoded = W.decodeAsap(decoder, new Uint8Array(first), 0, first.length);
  if (decoded === null) return { error: decoder.error.reason, offset: decoder.error.offset };
  var pe = decoded.poolElements[0];
  var again = Array.prototype.slice.call(W.encodeAsap(W.createWriter(16), decoded));
  return {
    type: decoded.type,
    flags: decoded.flags,
    poolHandle: String.fromCharCode.apply(null, Array.prototype.slice.call(decoded.poolHandle)),
    poolElementCount: decoded.poolElements.length,
    identifier: pe.identifier,
    homeRegistrarIdentifier: pe.homeRegistrarIdentifier,
    registrationLife: pe.registrationLife,
    transportType: pe.userTransport.type,
    port: pe.userTransport.port,
    transportUse: pe.userTransport.transportUse,
    addresses: pe.userTransport.addresses.map(W.formatAddress),
    policyType: pe.policy.type,
    weight: pe.policy.weight,
    asapTransport: pe.asapTransport,
    problems: decoder.problems.length,
    first: first,
    again: again
  };
})()`;

/** The same message encoded by the codec on Node, for a byte-for-byte comparison. */
function encodeOnHost(): number[] {
  const policy = wire.newPolicy(wire.POLICY_WEIGHTED_RANDOM);
  policy.weight = 7;
  const addresses = [wire.parseAddress("192.0.2.1"), wire.parseAddress("2001:db8::1")];
  if (addresses[0] === null || addresses[1] === null) throw new Error("parseAddress failed on the host");
  const transport = wire.newTransport(wire.PARAM_SCTP_TRANSPORT, 4711, wire.TRANSPORT_USE_DATA_PLUS_CONTROL, [addresses[0], addresses[1]]);
  const message = wire.newAsapMessage(wire.ASAP_REGISTRATION);
  message.poolHandle = new Uint8Array([0x65, 0x63, 0x68, 0x6f, 0x2d, 0x71, 0x6a, 0x73]);
  message.poolElements = [{ identifier: 0x12345678, homeRegistrarIdentifier: 0, registrationLife: 30000,
    userTransport: transport, policy, asapTransport: null }];
  return Array.from(wire.encodeAsap(wire.createWriter(16), message));
}

t.test("an ASAP REGISTRATION round-trips inside QuickJS under a 1 MiB limit", async (t) => {
  const r = withVm(LIMIT, (vm) => {
    evaluate(vm, BUNDLE, "wire.min.js");
    return evaluate(vm, ROUND_TRIP, "round-trip.js");
  }) as Record<string, unknown>;
  t.equal(r.error, undefined, `decode failed in the VM: ${String(r.error)} at ${String(r.offset)}`);
  t.equal(r.type, wire.ASAP_REGISTRATION);
  t.equal(r.flags, 0);
  t.equal(r.poolHandle, "echo-qjs");
  t.equal(r.poolElementCount, 1);
  t.equal(r.identifier, 0x12345678);
  t.equal(r.homeRegistrarIdentifier, 0);
  t.equal(r.registrationLife, 30000);
  t.equal(r.transportType, wire.PARAM_SCTP_TRANSPORT);
  t.equal(r.port, 4711);
  t.equal(r.transportUse, wire.TRANSPORT_USE_DATA_PLUS_CONTROL);
  t.same(r.addresses, ["192.0.2.1", "2001:db8::1"]);
  t.equal(r.policyType, wire.POLICY_WEIGHTED_RANDOM);
  t.equal(r.weight, 7);
  t.equal(r.asapTransport, null);
  t.equal(r.problems, 0);
  const first = r.first as number[];
  t.ok(Array.isArray(first) && first.length >= 4, "the VM returned the encoded bytes");
  t.equal(first[0], wire.ASAP_REGISTRATION, "first byte is the message type");
  t.equal((first[2] << 8) | first[3], first.length, "the length field covers the message");
  t.same(r.again, first, "re-encoding the decoded message gives the same bytes");
  t.same(first, encodeOnHost(), "QuickJS and Node encode the same bytes");
});

t.test("the memory limit is in force: a huge allocation fails in the VM, a small one under a larger limit succeeds", async (t) => {
  const huge = "new Uint8Array(4 * 1024 * 1024).length";
  t.throws(() => withVm(LIMIT, (vm) => evaluate(vm, huge, "huge.js")), /out of memory/i);
  const caught = withVm(LIMIT, (vm) => {
    evaluate(vm, BUNDLE, "wire.min.js");
    return evaluate(vm, `(function () { try { ${huge}; return "allocated"; } catch (e) { return "caught: " + e; } })()`, "catch.js");
  });
  t.match(caught, /^caught: .*out of memory/i, "the VM can catch it and carry on");
  t.equal(withVm(16 * LIMIT, (vm) => evaluate(vm, huge, "fits.js")), 4 * 1024 * 1024, "the same allocation fits a 16 MiB limit");
});
