// The Espruino shim bundle (build entry "espruino-shim") in an Espruino-like
// vm context (harness.ts): a pool element inside it registers with a real
// registrar on the Node platform over the TCP mapping, and a Node-API pool
// user resolves it and gets its messages echoed, with and without E.
import t from "tap";
import { startRegistrar, createPoolUser } from "../../../platform/node/index.js";
import type { Session } from "../../../platform/node/index.js";
import { createEspruinoWorld, REMOVED_GLOBALS } from "./harness.js";
import { echoPoolElementScript, freeTcpPort, Reports } from "../quickjs/echo-pe.js";

const PLATFORM = `RSP.createEspruinoPlatform({ net: require("net"), setTimeout: setTimeout,
  clearTimeout: clearTimeout, getTime: getTime, E: config.useE ? E : null })`;

interface PoolElementControl {
  deregister(): void;
  stop(): void;
  timers(): number;
  associations(): number;
}

function nextData(session: Session, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo within ${ms} ms`)), ms);
    session.once("data", (data: Buffer) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

t.test("the context lacks what Espruino lacks", async (t) => {
  const world = await createEspruinoWorld();
  t.teardown(() => world.close());
  const missing = world.run(`(function () {
    var names = ${JSON.stringify(REMOVED_GLOBALS)}, present = [];
    for (var i = 0; i < names.length; i++) if (typeof this[names[i]] !== "undefined") present.push(names[i]);
    if (typeof Object.freeze !== "undefined") present.push("Object.freeze");
    if (typeof Array.from !== "undefined") present.push("Array.from");
    if (typeof Number.isInteger !== "undefined") present.push("Number.isInteger");
    if (typeof Math.imul !== "undefined") present.push("Math.imul");
    if (typeof [].includes !== "undefined") present.push("Array.prototype.includes");
    if (typeof new Uint8Array(1).copyWithin !== "undefined") present.push("copyWithin");
    return present.join(",");
  }).call(this)`);
  t.equal(missing, "", "none of them is left in the context");
  t.equal(typeof world.RSP.createEspruinoPlatform, "function", "the bundle loaded and exports the shim");
  t.equal(typeof world.RSP.createClient, "function");
  t.equal(typeof world.RSP.createDriver, "function");
});

for (const useE of [true, false]) {
  t.test(`a PE on the shim (${useE ? "E.toString / E.toUint8Array" : "pure-JS latin1"}) registers and echoes to a Node PU`, async (t) => {
    const registrar = await startRegistrar({
      transports: ["tcp"],
      config: { asapPort: 0, enrpPort: 0, asapAnnounce: false, minAddressScope: "loopback" },
    });
    t.teardown(() => registrar.close(200));
    const world = await createEspruinoWorld();
    t.teardown(() => world.close());
    const reports = new Reports();
    t.teardown(() => reports.cancel());
    const port = await freeTcpPort();
    const start = world.run(echoPoolElementScript(PLATFORM)) as (config: unknown, host: unknown) => PoolElementControl;
    const pe = start({ registrarPort: registrar.ports.asap, port, useE }, { report: (k: string, v: unknown) => reports.report(k, v) });
    let stopped = false;
    t.teardown(() => {
      if (!stopped) pe.stop();
    });

    const identifier = (await reports.next("identifier", 1, 100)) as number;
    t.ok(identifier > 0, "registerPoolElement gave an identifier");
    t.equal(await reports.next("registered", 1, 5000), identifier, "EVENT_REGISTERED for it");
    const pool = registrar.handlespace().find((p) => p.poolHandle === "EchoPool");
    t.same(pool?.elements.map((e) => e.identifier), [identifier], "the registrar holds the PE");
    t.same(pool?.elements[0].transport.addresses, ["127.0.0.1"], "its TCP transport address (the association's own)");
    t.equal(pool?.elements[0].transport.protocol, "tcp");

    const pu = await createPoolUser({ registrars: [{ addresses: ["127.0.0.1"], port: registrar.ports.asap }], transports: ["tcp"] });
    t.teardown(() => pu.close());
    const found = await pu.resolve("EchoPool", { staleAfterMs: 0 });
    t.same(found.map((p) => p.identifier), [identifier], "the PU resolves the pool to the PE");
    t.equal(found[0].transport.port, port);

    const session = await pu.connect("EchoPool");
    t.equal(session.identifier, identifier, "session to the PE on the shim");
    const small = Buffer.from("hello from Node \u00ff\u0000\u0080", "latin1");
    let reply = nextData(session, 3000);
    t.ok(session.send(small, { ppid: 0x12345678, stream: 1 }));
    t.same(await reply, small, "small message echoed byte for byte (8-bit values included)");
    // Bigger than one TCP segment and the shim's initial receive buffer: split
    // into string chunks and reassembled on both sides.
    const big = Buffer.alloc(20000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 8)) & 0xff;
    reply = nextData(session, 3000);
    t.ok(session.send(big));
    t.same(await reply, big, "20000-byte message echoed intact");
    t.same(reports.of("echoed"), [small.length, big.length], "the PE saw both messages once");
    t.same(reports.of("error"), [], "no driver errors");
    if (useE) t.ok(world.eCalls() > 0, "E.toString / E.toUint8Array did the conversions");
    else t.equal(world.eCalls(), 0, "E was not used");

    session.close();
    pe.deregister();
    t.equal(await reports.next("deregistered", 1, 3000), 0, "deregistered without error");
    t.notOk(registrar.handlespace().some((p) => p.poolHandle === "EchoPool"), "the registrar dropped the pool");
    pe.stop();
    stopped = true;
    t.equal(pe.timers(), 0, "no platform timer left after stop");
    t.equal(pe.associations(), 0, "no association left after stop");
  });
}
