// The QuickJS platform bundle (build entry "quickjs-platform": platform,
// driver, client) inside quickjs-emscripten under a 1 MiB memory limit, with
// the host playing qjs's loop (harness.ts: os with 2021-03-27 timer objects
// and no os.now; net bridged to Node sockets, writes throttled). A pool
// element in the VM registers with a real registrar on the Node platform
// over the TCP mapping; a Node-API pool user resolves it and gets echoes.
import t from "tap";
import { createPoolUser, startRegistrar } from "../../../platform/node/index.js";
import type { Session } from "../../../platform/node/index.js";
import { createQuickJSHost, WRITE_BUDGET } from "./harness.js";
import { echoPoolElementScript, freeTcpPort, Reports } from "./echo-pe.js";

const MEMORY_LIMIT = 1024 * 1024;

function nextData(session: Session, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo within ${ms} ms`)), ms);
    session.once("data", (data: Buffer) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

t.test("the QuickJS platform refuses a host without a clock", async (t) => {
  const host = await createQuickJSHost(MEMORY_LIMIT, () => undefined);
  t.teardown(() => host.dispose());
  const message = host.eval(`(function () {
    try { RSP.createQuickJSPlatform({ os: os, net: net }); return "created"; } catch (e) { return String(e.message); }
  })()`);
  t.match(message, /no os\.now.*pass now: Date\.now/, "2021-03-27 has no os.now: the error says what to pass");
  t.equal(host.eval(`typeof RSP.createQuickJSPlatform({ os: os, net: null, now: Date.now }).now()`), "number");
});

t.test("a PE in QuickJS (1 MiB) registers with a Node registrar and echoes to a Node PU", async (t) => {
  const registrar = await startRegistrar({
    transports: ["tcp"],
    config: { asapPort: 0, enrpPort: 0, asapAnnounce: false, minAddressScope: "loopback" },
  });
  t.teardown(() => registrar.close(200));
  const reports = new Reports();
  t.teardown(() => reports.cancel());
  const host = await createQuickJSHost(MEMORY_LIMIT, (k, v) => reports.report(k, v));
  t.teardown(() => host.dispose());
  const loaded = host.heapBytes();
  const port = await freeTcpPort();
  host.eval(`var pe = (${echoPoolElementScript("RSP.createQuickJSPlatform({ os: os, net: net, now: Date.now })")})(
    { registrarPort: ${registrar.ports.asap}, port: ${port} },
    { report: function (kind, value) { __host.report(kind, value); } }); 0`);
  let stopped = false;
  t.teardown(() => {
    if (!stopped) host.eval("pe.stop(); 0");
  });

  const identifier = (await reports.next("identifier", 1, 100)) as number;
  t.ok(identifier > 0, "registerPoolElement gave an identifier");
  t.equal(await reports.next("registered", 1, 5000), identifier, "EVENT_REGISTERED for it");
  const pool = registrar.handlespace().find((p) => p.poolHandle === "EchoPool");
  t.same(pool?.elements.map((e) => e.identifier), [identifier], "the registrar holds the PE");
  t.same(pool?.elements[0].transport.addresses, ["127.0.0.1"]);
  t.equal(pool?.elements[0].transport.protocol, "tcp");

  const pu = await createPoolUser({ registrars: [{ addresses: ["127.0.0.1"], port: registrar.ports.asap }], transports: ["tcp"] });
  t.teardown(() => pu.close());
  const found = await pu.resolve("EchoPool", { staleAfterMs: 0 });
  t.same(found.map((p) => p.identifier), [identifier], "the PU resolves the pool to the PE in QuickJS");
  t.equal(found[0].transport.port, port);

  const session = await pu.connect("EchoPool");
  t.equal(session.identifier, identifier, "session to the PE in QuickJS");
  const small = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]);
  let reply = nextData(session, 3000);
  t.ok(session.send(small, { ppid: 0xfffffffe, stream: 7 }));
  t.same(await reply, small, "small message echoed byte for byte");
  const shortBefore = host.counters.shortWrites;
  const big = Buffer.alloc(30000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
  reply = nextData(session, 5000);
  t.ok(session.send(big));
  t.same(await reply, big, "30000-byte message echoed intact");
  t.ok(host.counters.shortWrites > shortBefore, `the kernel took ${WRITE_BUDGET} B per round: partial writes queued and drained`);
  t.same(reports.of("echoed"), [small.length, big.length], "the PE saw both messages once");
  t.same(reports.of("error"), [], "no driver errors");
  t.same(host.errors, [], "no exception escaped into the host loop");
  const peak = host.heapBytes();
  t.ok(peak < MEMORY_LIMIT, "within the memory limit");
  t.comment(`QuickJS heap: ${loaded} B with the bundle loaded, ${peak} B after the echo (limit ${MEMORY_LIMIT} B)`);

  // Quiet for a while: no write handler may stay armed (select would spin).
  const rounds = host.counters.rounds;
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.ok(host.counters.rounds - rounds <= 2, `idle loop: ${host.counters.rounds - rounds} ready rounds in 100 ms`);

  session.close();
  host.eval("pe.deregister(); 0");
  t.equal(await reports.next("deregistered", 1, 3000), 0, "deregistered without error");
  t.notOk(registrar.handlespace().some((p) => p.poolHandle === "EchoPool"), "the registrar dropped the pool");
  host.eval("pe.stop(); 0");
  stopped = true;
  t.equal(host.eval("pe.timers()"), 0, "no platform timer left after stop");
  t.equal(host.eval("pe.associations()"), 0, "no association left after stop");
  t.equal(host.openDescriptors(), 0, "every descriptor closed");
});
