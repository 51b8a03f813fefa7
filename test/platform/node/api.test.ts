// The Node API over real loopback sockets: a registrar, pool elements and a
// pool user in one process, over the TCP mapping and over SCTP (UDP
// encapsulation): registration, resolution, session echo, cookie failover,
// error codes, the handlespace dump over ENRP. Every port is picked free;
// every wait has a deadline.
import t from "tap";
import {
  connect,
  createPoolElement,
  createPoolUser,
  RSerPoolError,
  startRegistrar,
} from "../../../platform/node/index.js";
import type { PoolElement, Registrar, ServerSession, Session, TransportName } from "../../../platform/node/index.js";
import { fetchHandlespace } from "../../../platform/node/tool-hsdump.js";

/** Resolves when `event` fires on `emitter`, rejects after ms. */
function next<T>(emitter: NodeJS.EventEmitter, event: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function registrar(transports: TransportName[], config = {}): Promise<Registrar> {
  return startRegistrar({
    transports,
    sctpUdpPort: 0,
    config: { asapPort: 0, enrpPort: 0, asapAnnounce: false, minAddressScope: "loopback", ...config },
  });
}

function registrarsOf(r: Registrar) {
  return [{ addresses: ["127.0.0.1"], port: r.ports.asap, udpPort: r.ports.sctpUdp }];
}

/** An echo PE that also sends a cookie "<prefix><count>" after every reply. */
async function echoElement(r: Registrar, transports: TransportName[], prefix: string): Promise<PoolElement> {
  const pe = await createPoolElement({ poolHandle: "EchoPool", registrars: registrarsOf(r), transports });
  let count = 0;
  pe.on("session", (s: ServerSession) => {
    s.on("cookie-echo", (c: Buffer) => pe.emit("test-cookie-echo", c.toString()));
    s.on("data", (data: Buffer, info) => {
      s.send(data, info);
      s.sendCookie(`${prefix}${++count}`);
    });
  });
  return pe;
}

for (const transports of [["tcp"], ["sctp"], ["sctp", "tcp"]] as TransportName[][]) {
  const name = transports.join("+");
  t.test(`round trip over ${name}: register, resolve, session echo, cookie failover`, async (t) => {
    const r = await registrar(transports);
    t.teardown(() => r.close());
    t.ok(r.ports.asap > 0 && r.ports.enrp > 0, "bound ports reported");
    t.equal(r.ports.sctpUdp > 0, transports.includes("sctp"), "an SCTP UDP encapsulation port when SCTP is on");

    const registered = next(r, "registered");
    const a = await echoElement(r, transports, "a");
    t.teardown(() => a.close());
    t.equal(a.registered, true, "createPoolElement resolves once registered");
    t.equal((await registered as { identifier: number }).identifier, a.identifier, "the registrar saw that PE");

    const pu = await createPoolUser({ registrars: registrarsOf(r), transports });
    t.teardown(() => pu.close());
    const found = await pu.resolve("EchoPool", { staleAfterMs: 0 });
    t.same(found.map((p) => p.identifier), [a.identifier], "resolution returns the PE");
    t.equal(found[0].transport.protocol, transports[0], "registered with the first transport's parameter");
    t.same(found[0].transport.addresses, ["127.0.0.1"]);
    t.equal(found[0].transport.port, a.port);
    t.equal(found[0].transport.controlChannel, true);

    const session = await pu.connect("EchoPool");
    t.equal(session.identifier, a.identifier, "session to that PE");
    const reply = next<Buffer>(session, "data");
    t.ok(session.send("hello"), "sent");
    t.equal((await reply).toString(), "hello", "echoed");
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.equal(session.cookie?.toString(), "a1", "the PE's cookie arrived");

    // A second PE; the first one leaves: the session fails over and echoes the cookie.
    const b = await echoElement(r, transports, "b");
    t.teardown(() => b.close());
    const failover = next<{ identifier: number }>(session, "failover");
    const complete = next<{ identifier: number; cookieEchoed: boolean }>(session, "failover-complete");
    const echoed = next<string>(b, "test-cookie-echo");
    await a.close();
    t.equal((await failover).identifier, a.identifier, "failover from the lost PE");
    const done = await complete;
    t.equal(done.identifier, b.identifier, "to the other PE");
    t.equal(done.cookieEchoed, true, "with the cookie");
    t.equal(await echoed, "a1", "the new PE got the old PE's latest cookie");
    const again = next<Buffer>(session, "data");
    session.send("after");
    t.equal((await again).toString(), "after", "the session carries on");
    session.close();
  });
}

t.test("error codes: unknown pool, unreachable registrar, rejected registration, bad arguments", async (t) => {
  const r = await registrar(["tcp"]);
  t.teardown(() => r.close());
  const pu = await createPoolUser({ registrars: registrarsOf(r), transports: ["tcp"] });
  t.teardown(() => pu.close());
  await t.rejects(pu.resolve("NoSuchPool"), { code: "ERR_POOL_NOT_FOUND", name: "RSerPoolError" });
  const e = await pu.resolve("NoSuchPool").catch((x) => x);
  t.ok(e instanceof RSerPoolError && e instanceof Error, "RSerPoolError is an Error");

  await t.rejects(
    connect("NoSuchPool", { registrars: registrarsOf(r), transports: ["tcp"], client: { sessionMaxAttempts: 2, sessionRetryDelayMs: 50 } }),
    { code: "ERR_POOL_NOT_FOUND" },
    "connect to a pool without PEs",
  );

  // Nothing listens on port 1: the hunt gives up.
  const lonely = await createPoolUser({
    registrars: [{ addresses: ["127.0.0.1"], port: 1 }],
    transports: ["tcp"],
    client: { registrarConnectTimeoutMs: 300, registrarRequestTimeoutMs: 300 },
  });
  t.teardown(() => lonely.close());
  await t.rejects(lonely.resolve("EchoPool"), { code: "ERR_NO_REGISTRAR" });

  // Anti-spoofing: a PE registering an address its association does not use is refused.
  await t.rejects(
    createPoolElement({ poolHandle: "EchoPool", registrars: registrarsOf(r), transports: ["tcp"], addresses: ["192.0.2.7"] }),
    { code: "ERR_REJECTED", rfcCause: 0xa },
  );
  await t.rejects(createPoolElement({ poolHandle: "EchoPool", registrars: registrarsOf(r), policy: "NoSuchPolicy" }), { code: "ERR_INVALID_ARGUMENT" });
  await t.rejects(startRegistrar({ transports: ["udp" as TransportName] }), { code: "ERR_INVALID_ARGUMENT" });
  // A port in use.
  await t.rejects(startRegistrar({ transports: ["tcp"], config: { asapPort: r.ports.asap, enrpTransports: [], asapAnnounce: false } }), { code: "ERR_LISTEN" });
});

t.test("policies and load: a LeastUsed pool picks the least loaded PE", async (t) => {
  const r = await registrar(["tcp"]);
  t.teardown(() => r.close());
  const pes: PoolElement[] = [];
  for (let i = 0; i < 3; i++) {
    const pe = await createPoolElement({ poolHandle: "LoadPool", registrars: registrarsOf(r), transports: ["tcp"], policy: "LeastUsed", client: { loadUpdateIntervalMs: 0 } });
    t.teardown(() => pe.close());
    pes.push(pe);
  }
  const loads = [0.7, 0.2, 0.5];
  const updates = new Promise<void>((resolve) => {
    let n = 0;
    r.on("reregistered", () => {
      if (++n === 3) resolve();
    });
  });
  pes.forEach((pe, i) => pe.setLoad(loads[i]));
  await updates;
  const pu = await createPoolUser({ registrars: registrarsOf(r), transports: ["tcp"] });
  t.teardown(() => pu.close());
  const found = await pu.resolve("LoadPool", { items: 3, staleAfterMs: 0 });
  t.equal(found[0].identifier, pes[1].identifier, "least used first");
  t.equal(found[0].policy.name, "LeastUsed");
  t.ok(Math.abs(found[0].policy.load - 0.2) < 1e-6, "load as reported");
  const pool = r.handlespace().find((p) => p.poolHandle === "LoadPool");
  t.equal(pool?.policy, "LeastUsed");
  t.equal(pool?.elements.length, 3);
  t.ok(pool?.elements.every((e) => e.home && e.owner === r.identifier), "owned by this registrar");
});

for (const transports of [["tcp"], ["sctp"]] as TransportName[][]) {
  t.test(`hsdump over ${transports[0]}: paged ENRP handle table`, async (t) => {
    const r = await registrar(transports, { maxElementsPerHandleTableRequest: 2 });
    t.teardown(() => r.close());
    const pes: PoolElement[] = [];
    for (let i = 0; i < 5; i++) {
      const pe = await createPoolElement({ poolHandle: i < 3 ? "A" : "B", registrars: registrarsOf(r), transports, policy: i < 3 ? "rr" : "wrr:4" });
      t.teardown(() => pe.close());
      pes.push(pe);
    }
    const dump = await fetchHandlespace(`127.0.0.1:${r.ports.enrp}`, { transports, udpPort: r.ports.sctpUdp || undefined, timeoutMs: 3000 });
    t.equal(dump.pages, 3, "5 PEs at 2 per response: 3 pages");
    t.same(dump.pools.map((p) => [p.poolHandle, p.policy, p.elements.length]), [["A", "RoundRobin", 3], ["B", "WeightedRoundRobin", 2]]);
    const ids = dump.pools.flatMap((p) => p.elements.map((e) => e.identifier)).sort();
    t.same(ids, pes.map((p) => p.identifier).sort(), "every PE");
    t.ok(dump.pools[1].elements.every((e) => e.policy.weight === 4), "policy values");
    t.ok(dump.pools.every((p) => p.elements.every((e) => e.homeRegistrar === r.identifier && e.asapTransport !== null)), "owner and ASAP transport");
    const own = await fetchHandlespace(`127.0.0.1:${r.ports.enrp}`, { transports, udpPort: r.ports.sctpUdp || undefined, own: true });
    t.equal(own.pools.reduce((n, p) => n + p.elements.length, 0), 5, "W flag: all 5 are this registrar's own");
  });
}

t.test("a session's messages sent while connecting are delivered; close() ends a connect()ed pool user", async (t) => {
  const r = await registrar(["tcp"]);
  t.teardown(() => r.close());
  const pe = await echoElement(r, ["tcp"], "x");
  t.teardown(() => pe.close());
  const s: Session = await connect("EchoPool", { registrars: registrarsOf(r), transports: ["tcp"] });
  const got: string[] = [];
  s.on("data", (b: Buffer) => got.push(b.toString()));
  for (let i = 0; i < 20; i++) s.send(`m${i}`, { stream: i % 4, ppid: 1000 + i });
  const deadline = Date.now() + 3000;
  while (got.length < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  t.same(got, Array.from({ length: 20 }, (_, i) => `m${i}`), "all 20, in order");
  const closed = next(s, "close");
  s.close();
  t.equal(await closed, null, "closed without error");
  t.equal(s.send("late"), false, "nothing is sent after close");
});
