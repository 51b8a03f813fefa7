// End to end over real loopback sockets, once over SCTP (UDP encapsulation)
// and once over the TCP mapping: a registrar process, PE processes (two
// ping-pong PEs, one echo PE), PU processes (the PU driver on the Node API
// and the terminal tool).
//
// - registration: the registrar logs every PE; resolution: a PU gets both
//   ping-pong PEs; sessions carry data both ways.
// - kill -9 of the PE serving a ping-pong session: the registrar removes it
//   within keep-alive interval + timeout + slack (500 ms + 500 ms here), and
//   the PU fails over with its cookie: the new PE logs the cookie echo and
//   its first PONG continues the reply counter from the cookie, which proves
//   the cookie reached it before the first data.
// - kill -9 of a PU (the terminal, mid-session): the registrar and the PE it
//   used keep serving; a second PU resolves and gets its echoes.
// - teardown: SIGTERM everything still running; every process exits 0 by
//   itself; nothing is left running.

import t from "tap";
import { Cluster, startRegistrar } from "./harness.js";
import type { LogRecord } from "./harness.js";

const KEEP_ALIVE_INTERVAL = 500;
const KEEP_ALIVE_TIMEOUT = 500;
/** Scheduling slack on a loaded machine (2 cores shared with the rest of the suite). */
const SLACK = 1500;

function pongNumbers(text: unknown): [number, number] | null {
  const m = /^PONG (\d+) (\d+)/.exec(String(text));
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

for (const transport of ["sctp", "tcp"]) {
  t.test(`end to end over ${transport}`, { timeout: 60000 }, async (t) => {
    const cluster = new Cluster();
    t.teardown(async () => {
      const left = await cluster.teardown();
      if (left.length > 0) throw new Error(`processes left running: ${left.join(", ")}`);
    });

    // ---- registrar and PEs ----
    const reg = await startRegistrar(cluster, transport, [
      "--keep-alive-interval", String(KEEP_ALIVE_INTERVAL), "--keep-alive-timeout", String(KEEP_ALIVE_TIMEOUT),
    ]);
    t.equal(reg.ready.transports, transport, `registrar listens on ${transport} only`);
    const server = (name: string, service: string) =>
      cluster.tool(name, ["server", `-${service}`, ...reg.clientArgs, "--reregister-interval", "5000", "--log-format", "json", "--run-time", "120000"]);
    const pe1 = server("pe-1", "pingpong");
    const pe2 = server("pe-2", "pingpong");
    const echo = server("echo-pe", "echo");
    const pes = [pe1, pe2, echo];
    const ready = await Promise.all(pes.map((p) => p.waitFor("ready", 15000)));
    const ids = ready.map((r) => String(r.pe));
    for (const [i, id] of ids.entries()) {
      t.equal(ready[i].registered, true, `${pes[i].name} registered (${id})`);
      await reg.proc.waitFor("registered", 5000, (r) => r.pe === id);
    }
    t.same(ready.map((r) => r.pool), ["PingPongPool", "PingPongPool", "EchoPool"], "rsplib's default pools");

    // ---- a ping-pong session; resolution first ----
    const pu = cluster.driver("pu", [...reg.clientArgs, "--pool", "PingPongPool", "--pingpong", "--interval", "50"]);
    const resolved = await pu.waitFor("resolved", 15000);
    t.same([...(resolved.pes as string[])].sort(), [ids[0], ids[1]].sort(), "resolution names both ping-pong PEs");
    const connected = await pu.waitFor("connected", 10000);
    const servingId = String(connected.pe);
    const serving = pes[ids.indexOf(servingId)];
    const other = serving === pe1 ? pe2 : pe1;
    t.ok(serving === pe1 || serving === pe2, `connected to a ping-pong PE (${serving?.name})`);
    // A few PONGs and cookies from the first PE.
    await pu.waitFor("data", 10000, (r) => (pongNumbers(r.text)?.[1] ?? 0) >= 5);
    await pu.waitFor("cookie", 5000, (r) => r.cookie === "pingpong 5");
    const before = pu.all("data");
    t.ok(before.every((r) => r.pe === servingId), "every PONG so far from the first PE");
    t.same(before.slice(0, 5).map((r) => pongNumbers(r.text)?.[1]), [1, 2, 3, 4, 5], "reply counter 1, 2, 3, ...");

    // ---- the terminal: a session with data, then kill -9 of that PU ----
    const terminal = cluster.tool("terminal", ["terminal", ...reg.clientArgs, "--pool", "EchoPool", "--log-format", "json"], "pipe");
    await terminal.waitFor("connected", 15000);
    terminal.child.stdin?.write("hello from the terminal\n");
    await terminal.waitForLine(/^hello from the terminal$/, 5000);
    t.pass("the terminal got its echo");

    // ---- kill -9 of the serving PE ----
    const killedAt = performance.now();
    const killedWall = Date.now();
    serving.signal("SIGKILL");
    const removed = await reg.proc.waitFor("removed", KEEP_ALIVE_INTERVAL + KEEP_ALIVE_TIMEOUT + SLACK + 2000, (r) => r.pe === servingId);
    const removalMs = removed.arrived - killedAt;
    const removalByClock = Date.parse(String(removed.time)) - killedWall;
    t.comment(`${transport}: removed ${removalMs.toFixed(0)} ms after kill -9 (registrar clock ${removalByClock} ms), reason ${removed.reason}`);
    t.ok(removalMs <= KEEP_ALIVE_INTERVAL + KEEP_ALIVE_TIMEOUT + SLACK, `removal within ${KEEP_ALIVE_INTERVAL} + ${KEEP_ALIVE_TIMEOUT} + ${SLACK} ms slack (${removalMs.toFixed(0)} ms)`);
    t.ok(["keep-alive-timeout", "association-down"].includes(String(removed.reason)), `removal reason ${removed.reason}`);

    const complete = await pu.waitFor("failover-complete", 10000);
    const failover = pu.find("failover") as LogRecord;
    t.equal(failover.lost, servingId, "the PU lost the killed PE");
    t.equal(complete.pe, ids[pes.indexOf(other)], "and failed over to the other ping-pong PE");
    t.equal(complete.cookieEchoed, true, "its latest cookie went to the new PE first");
    t.comment(`${transport}: failover complete ${(complete.arrived - killedAt).toFixed(0)} ms after the kill`);
    const lastCookie = pu.all("cookie", (r) => r.arrived < complete.arrived && r.pe === servingId).pop() as LogRecord;
    const echoed = await other.waitFor("cookie-echo", 5000);
    t.equal(echoed.cookie, lastCookie.cookie, `the new PE logged the cookie echo (${echoed.cookie})`);
    const firstNew = await pu.waitFor("data", 5000, (r) => r.pe === complete.pe);
    const n = pongNumbers(firstNew.text);
    t.equal(n?.[1], Number(String(lastCookie.cookie).split(" ")[1]) + 1, `first PONG of the new PE continues the counter (${firstNew.text})`);
    await pu.waitFor("data", 5000, (r) => r.pe === complete.pe && (pongNumbers(r.text)?.[0] ?? 0) >= (n?.[0] ?? 0) + 3);
    t.pass("PONGs keep coming from the new PE");

    // ---- kill -9 of a PU: the registrar and the echo PE serve others ----
    terminal.signal("SIGKILL");
    await terminal.exited;
    const pu2 = cluster.driver("pu-2", [...reg.clientArgs, "--pool", "EchoPool", "--interval", "20", "--messages", "5"]);
    const resolved2 = await pu2.waitFor("resolved", 10000);
    t.same(resolved2.pes, [ids[2]], "a second PU resolves the echo pool");
    const exit2 = await pu2.exited;
    t.same(exit2, { code: 0, signal: null }, "the second PU got its 5 echoes and exited cleanly");
    t.same(pu2.all("data").map((r) => r.text), [1, 2, 3, 4, 5].map((i) => `message ${i}`), "echoes in order");
    t.ok(echo.running && reg.proc.running && other.running, "registrar and PEs still running");
    t.notOk(reg.proc.find("warning") ?? reg.proc.find("protocol-error"), "no warnings at the registrar");

    // ---- clean stops ----
    const puExit = await pu.stop("SIGTERM");
    t.same(puExit, { code: 0, signal: null }, "PU exits 0 on SIGTERM");
    for (const p of [other, echo]) {
      const e = await p.stop("SIGTERM");
      t.same(e, { code: 0, signal: null }, `${p.name} exits 0 on SIGTERM`);
      await reg.proc.waitFor("deregistered", 3000, (r) => r.pe === ids[pes.indexOf(p)]);
    }
    const regExit = await reg.proc.stop("SIGTERM");
    t.same(regExit, { code: 0, signal: null }, "registrar exits 0 on SIGTERM");
    t.ok(reg.proc.find("stopped"), "registrar logged its statistics");
    t.same(serving.exit, { code: null, signal: "SIGKILL" }, "the killed PE died of SIGKILL");
  });
}
