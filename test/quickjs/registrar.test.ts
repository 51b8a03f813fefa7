// The registrar bundle (the minified IIFE `npm run build` ships) runs inside
// QuickJS (quickjs-emscripten) under a 4 MiB memory limit: a PE registers,
// a PU resolves, both over the sans-I/O machine interface, and the bytes the
// VM produced are decoded and checked here on Node.
import t from "tap";
import { fileURLToPath } from "node:url";
import { newQuickJSWASMModule, RELEASE_SYNC } from "quickjs-emscripten";
import * as wire from "../../core/wire/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Entry { name: string; entry: string; profile: string }
const build = (await import(`${ROOT}build/build.mjs`)) as {
  ENTRIES: Entry[];
  bundle(entry: Entry, minify: boolean): Promise<{ code: string }>;
};
const entry = build.ENTRIES.find((e) => e.name === "registrar");
if (entry === undefined) throw new Error("no registrar entry in build/build.mjs");
const BUNDLE = (await build.bundle(entry, true)).code;
const QuickJS = await newQuickJSWASMModule(RELEASE_SYNC);

function encoded(message: wire.AsapMessage): number[] {
  return Array.from(wire.encodeAsap(wire.createWriter(64), message));
}

const registration = wire.newAsapMessage(wire.ASAP_REGISTRATION);
registration.poolHandle = new TextEncoder().encode("qjs");
registration.poolElements.push(
  wire.newPoolElement(
    0x51,
    0,
    30000,
    wire.newTransport(wire.PARAM_SCTP_TRANSPORT, 7, 0, [wire.parseAddress("10.0.0.2") as Uint8Array]),
    wire.newPolicy(wire.POLICY_ROUND_ROBIN),
    null,
  ),
);
const resolution = wire.newAsapMessage(wire.ASAP_HANDLE_RESOLUTION);
resolution.poolHandle = new TextEncoder().encode("qjs");

// ES5 inside the VM; talks to the registrar through RSP.
const SCRIPT = `(function () {
  var seed = 7;
  var r = RSP.createRegistrar({
    random: function (into) { for (var i = 0; i < into.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; into[i] = seed >>> 24; } },
    asapAnnounce: false
  });
  var out = [];
  function drain() {
    var x;
    while ((x = r.pollTransmit()) !== null) out.push({ association: x.association, bytes: Array.prototype.slice.call(x.bytes) });
    var actions = 0;
    while (r.pollAction() !== null) actions++;
    while (r.pollEvent() !== null) {}
    return actions;
  }
  r.start(1000);
  var listens = drain();
  r.handleAssociationUp(1000, 1, ["10.0.0.2"], 5000, 0);
  r.handleAssociationUp(1000, 3, ["10.0.0.3"], 5001, 0);
  r.handleMessage(1000, 1, 0, 11, new Uint8Array(${JSON.stringify(encoded(registration))}));
  drain();
  r.handleMessage(1001, 3, 0, 11, new Uint8Array(${JSON.stringify(encoded(resolution))}));
  drain();
  var deadline = r.pollTimeout();
  r.handleTimeout(6000);
  drain();
  return { identifier: r.identifier, listens: listens, out: out, deadline: deadline, count: r.handlespace.count };
})()`;

t.test("a registrar in QuickJS registers a PE and resolves it", async (t) => {
  const rt = QuickJS.newRuntime();
  rt.setMemoryLimit(4 * 1024 * 1024);
  const vm = rt.newContext();
  try {
    for (const [code, name] of [[BUNDLE, "registrar.min.js"], [SCRIPT, "script.js"]]) {
      const result = vm.evalCode(code, name);
      if (result.error !== undefined) {
        const error = vm.dump(result.error);
        result.error.dispose();
        t.fail(`${name}: ${JSON.stringify(error)}`);
        return;
      }
      if (name === "registrar.min.js") {
        result.value.dispose();
        continue;
      }
      const r = vm.dump(result.value) as {
        identifier: number;
        listens: number;
        out: { association: number; bytes: number[] }[];
        deadline: number;
        count: number;
      };
      result.value.dispose();
      t.ok(r.identifier > 0, "an identifier from the injected random source");
      t.equal(r.listens, 2, "ASAP and ENRP listeners requested");
      t.equal(r.count, 1, "one PE in the handlespace");
      t.equal(r.deadline, 6000, "the keep-alive is due 5000 ms after the registration");
      const decoder = wire.createDecoder();
      const messages = r.out.map((o) => ({ association: o.association, m: wire.decodeAsap(decoder, Uint8Array.from(o.bytes), 0, o.bytes.length) }));
      t.same(messages.map((x) => [x.association, x.m?.type]), [
        [1, wire.ASAP_REGISTRATION_RESPONSE],
        [3, wire.ASAP_HANDLE_RESOLUTION_RESPONSE],
        [1, wire.ASAP_ENDPOINT_KEEP_ALIVE],
      ]);
      t.equal(messages[0].m?.flags, 0, "accepted");
      const pe = messages[1].m?.poolElements[0];
      t.equal(pe?.identifier, 0x51);
      t.equal(pe?.homeRegistrarIdentifier, r.identifier);
      t.equal(messages[2].m?.serverIdentifier, r.identifier);
    }
  } finally {
    vm.dispose();
    rt.dispose();
  }
});
