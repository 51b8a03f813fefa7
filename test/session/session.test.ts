// Sessions: connect, echo, cookies and failover (the new PE sees the cookie
// before any data), business-card ordering both ways, exactly-once delivery
// across a failover in a scripted run, explicit failover, data handed back.
import t from "tap";
import { Harness } from "../support/client-harness.js";
import type { ClientNode, RecordedEvent } from "../support/client-harness.js";
import {
  ERROR_NO_POOL_ELEMENT,
  ERROR_POOL_NOT_FOUND,
  EVENT_BUSINESS_CARD,
  EVENT_COOKIE,
  EVENT_COOKIE_ECHO,
  EVENT_DATA,
  EVENT_DATA_RETURNED,
  EVENT_FAILOVER_COMPLETE,
  EVENT_FAILOVER_NEEDED,
  EVENT_SESSION_ACCEPTED,
  EVENT_SESSION_CLOSED,
  EVENT_SESSION_UP,
  FLAG_COOKIE_ECHOED,
} from "../../core/client/events.js";
import { newPoolElement, newPolicy, newTransport, parseAddress } from "../../core/wire/index.js";
import { PARAM_SCTP_TRANSPORT, POLICY_ROUND_ROBIN } from "../../core/wire/constants.js";
import type { PoolElement } from "../../core/wire/types.js";

const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];
const PPID = 38;
const OFFSETS = [0, 2 ** 32];

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}
function num(b: Uint8Array | null): number {
  const x = b as Uint8Array;
  return ((x[0] << 24) | (x[1] << 16) | (x[2] << 8) | x[3]) >>> 0;
}

interface EchoPe {
  node: ClientNode;
  id: number;
  address: string;
  /** Message numbers this PE processed, in order. */
  processed: number[];
  /** Per session: the sequence of "cookie:<n>" and "data:<k>" entries. */
  trace: Map<number, string[]>;
}

/** A PE running an echo service that sends its processed count as a cookie after every message. */
function echoPe(h: Harness, name: string, address: string, id: number, handle = "Echo"): EchoPe {
  const node = h.client(name, [address], { announce: false, registrars: STATIC });
  const pe: EchoPe = { node, id, address, processed: [], trace: new Map() };
  node.run((cl, now) => {
    cl.listen(now, { port: 7000 });
    cl.registerPoolElement(now, handle, { addresses: [address], port: 7000, identifier: id, controlChannel: true });
  });
  node.react = (e: RecordedEvent) => {
    const trace = pe.trace.get(e.session) ?? [];
    pe.trace.set(e.session, trace);
    if (e.kind === EVENT_COOKIE_ECHO) trace.push("cookie:" + num(e.bytes));
    if (e.kind === EVENT_DATA) {
      const k = num(e.bytes);
      trace.push("data:" + k);
      pe.processed.push(k);
      node.run((cl, now) => {
        cl.send(now, e.session, e.stream, e.ppid, e.bytes as Uint8Array);
        cl.sendCookie(now, e.session, u32(k));
      });
    }
  };
  return pe;
}

function world(offset = 0, n = 3) {
  const h = new Harness({ startMs: offset, abortOnKill: true });
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863 });
  const pes: EchoPe[] = [];
  for (let i = 0; i < n; i++) pes.push(echoPe(h, "pe" + (i + 1), "10.0.2." + (i + 1), 101 + i));
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC });
  h.advance(100);
  return { h, pr, pes, pu };
}

function connectedPe(pes: EchoPe[]): EchoPe {
  const live = pes.filter((p) => p.node.of(EVENT_SESSION_ACCEPTED).length > 0 && p.node.platform.alive);
  return live[live.length - 1];
}

for (const offset of OFFSETS) {
  t.test(`echo session survives the PE's death with its cookie (offset ${offset})`, async (t) => {
    const { h, pes, pu } = world(offset);
    const session = pu.run((cl, now) => cl.connect(now, "Echo"));
    h.advance(50);
    const up = pu.of(EVENT_SESSION_UP);
    t.equal(up.length, 1, "session up");
    t.equal(up[0].session, session);
    for (let k = 1; k <= 5; k++) {
      t.ok(pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(k))));
      h.advance(10);
    }
    const echoes = pu.of(EVENT_DATA).map((e) => num(e.bytes));
    t.same(echoes, [1, 2, 3, 4, 5], "echoed");
    t.equal(num(pu.of(EVENT_COOKIE).at(-1)?.bytes ?? null), 5, "latest cookie");
    const first = connectedPe(pes);
    t.equal(up[0].identifier, first.id);
    // Sent while the session fails over: held, then delivered after the cookie.
    let held = false;
    pu.react = (e) => {
      if (e.kind === EVENT_FAILOVER_NEEDED) held = pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(6)));
    };
    h.network.kill(first.node.platform, { abort: true });
    h.advance(100);
    t.ok(held, "taken while failing over");
    const needed = pu.of(EVENT_FAILOVER_NEEDED);
    t.equal(needed.length, 1);
    t.equal(needed[0].identifier, first.id, "names the lost PE");
    const done = pu.of(EVENT_FAILOVER_COMPLETE);
    t.equal(done.length, 1, "failover complete");
    t.equal(done[0].flags & FLAG_COOKIE_ECHOED, FLAG_COOKIE_ECHOED, "with the cookie echoed");
    const second = connectedPe(pes);
    t.not(second, first);
    t.equal(done[0].identifier, second.id);
    const trace = [...second.trace.values()].find((x) => x.length > 0) as string[];
    t.same(trace, ["cookie:5", "data:6"], "the new PE sees the cookie before any data");
    for (let k = 7; k <= 8; k++) {
      pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(k)));
      h.advance(10);
    }
    t.same(pu.of(EVENT_DATA).map((e) => num(e.bytes)), [1, 2, 3, 4, 5, 6, 7, 8], "the session carries on");
    t.equal(pu.client.state.cache_.find(new TextEncoder().encode("Echo"), first.id), -1, "lost PE left the cache");
  });
}

t.test("no message lost or duplicated across a failover (scripted run)", async (t) => {
  const { h, pes, pu } = world(0, 3);
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(20);
  let sent = 0;
  let cookie = 0;
  const N = 200;
  pu.react = (e) => {
    if (e.kind === EVENT_COOKIE) cookie = num(e.bytes);
    if (e.kind === EVENT_FAILOVER_NEEDED) {
      // What went to the dead PE after its last cookie is sent again (queued, in order).
      for (let k = cookie + 1; k <= sent; k++) pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(k)));
    }
  };
  const victim = connectedPe(pes);
  for (let step = 0; step < N; step++) {
    sent++;
    const k = sent;
    if (!pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(k)))) t.fail("send refused");
    if (step === 97) h.network.kill(victim.node.platform, { abort: true });
    h.advance(step % 7 === 0 ? 3 : 1); // some messages are in flight when the PE dies
  }
  h.advance(1000);
  const all = pes.flatMap((p) => p.processed).sort((a, b) => a - b);
  t.equal(all.length, N, "every message processed exactly once");
  t.same(all, Array.from({ length: N }, (_, i) => i + 1), "none lost, none duplicated");
  const successor = connectedPe(pes);
  t.same(successor.processed, [...successor.processed].sort((a, b) => a - b), "in order at the new PE");
  t.equal(pu.of(EVENT_DATA_RETURNED).length, 0);
  t.equal(pu.of(EVENT_FAILOVER_COMPLETE).length, 1);
});

function card(pes: EchoPe[]): PoolElement[] {
  return pes.map((p) => newPoolElement(p.id, 0, 0, newTransport(PARAM_SCTP_TRANSPORT, 7000, 1,
    [parseAddress(p.address) as Uint8Array]), newPolicy(POLICY_ROUND_ROBIN), null));
}

t.test("business card: the PE's list is tried first, in its order", async (t) => {
  for (const thirdDead of [false, true]) {
    const { h, pes, pu } = world(0, 4);
    const session = pu.run((cl, now) => cl.connect(now, "Echo"));
    h.advance(50);
    const first = connectedPe(pes);
    const others = pes.filter((p) => p !== first);
    // Last will: fail over to others[2], then others[1] (not what round robin would pick).
    const order = [others[2], first, others[1]];
    const peSession = first.node.of(EVENT_SESSION_ACCEPTED)[0].session;
    t.ok(first.node.run((cl, now) => cl.sendBusinessCard(now, peSession, "Echo", card(order))));
    h.advance(10);
    const got = pu.of(EVENT_BUSINESS_CARD);
    t.equal(got.length, 1);
    t.same(got[0].poolElements.map((p) => p.identifier), order.map((p) => p.id));
    t.equal(got[0].handle, "Echo");
    if (thirdDead) h.network.kill(others[2].node.platform, { abort: true });
    h.network.kill(first.node.platform, { abort: true });
    h.advance(20000);
    const expected = thirdDead ? others[1] : others[2];
    t.equal(pu.of(EVENT_FAILOVER_COMPLETE).at(-1)?.identifier, expected.id,
      thirdDead ? "first listed PE dead: the next one on the card" : "the first PE on the card");
    t.equal(expected.node.of(EVENT_SESSION_ACCEPTED).length, 1);
    t.equal(others[0].node.of(EVENT_SESSION_ACCEPTED).length, 0, "the PE not on the card was not tried");
    t.equal(pu.of(EVENT_SESSION_CLOSED).length, 0);
    t.ok(session);
  }
});

t.test("business card from the PU: the PE side fails over to the PU's pool", async (t) => {
  const { h, pes, pu } = world(0, 1);
  // The PU is also a PE of pool "Users" (its own listener), and so is a stand-in.
  pu.run((cl, now) => {
    cl.listen(now, { port: 7100 });
    cl.registerPoolElement(now, "Users", { addresses: ["10.0.3.1"], port: 7100, identifier: 501 });
  });
  const standIn = h.client("standin", ["10.0.3.2"], { announce: false, registrars: STATIC });
  standIn.run((cl, now) => {
    cl.listen(now, { port: 7100 });
    cl.registerPoolElement(now, "Users", { addresses: ["10.0.3.2"], port: 7100, identifier: 502 });
  });
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(50);
  const standInPe = newPoolElement(502, 0, 0, newTransport(PARAM_SCTP_TRANSPORT, 7100, 0,
    [parseAddress("10.0.3.2") as Uint8Array]), newPolicy(POLICY_ROUND_ROBIN), null);
  t.ok(pu.run((cl, now) => cl.sendBusinessCard(now, session, "Users", [standInPe])));
  t.notOk(pu.run((cl, now) => cl.sendBusinessCard(now, session, "Nobody", null)), "no PE to name: refused");
  h.advance(10);
  const pe = pes[0];
  const got = pe.node.of(EVENT_BUSINESS_CARD);
  t.equal(got.length, 1);
  t.equal(got[0].handle, "Users");
  const peSession = got[0].session;
  h.network.kill(pu.platform, { abort: true });
  h.advance(100);
  t.equal(pe.node.of(EVENT_FAILOVER_NEEDED).length, 1, "the PE side fails over");
  t.equal(pe.node.of(EVENT_FAILOVER_COMPLETE).at(-1)?.session, peSession);
  t.equal(standIn.of(EVENT_SESSION_ACCEPTED).length, 1, "to the card's PE");
  // Own PEs as the card: the PE names itself.
  const ownCard = pe.node.run((cl, now) => cl.sendBusinessCard(now, peSession, "Echo", null));
  t.ok(ownCard);
  h.advance(10);
  t.same(standIn.of(EVENT_BUSINESS_CARD)[0]?.poolElements.map((p) => p.identifier), [pe.id]);
});

t.test("a PE-side session without a card closes when the PU goes", async (t) => {
  const { h, pes, pu } = world(0, 1);
  pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(50);
  pu.run((cl, now) => cl.close(now, pu.of(EVENT_SESSION_UP)[0].session));
  h.advance(50);
  const closed = pes[0].node.of(EVENT_SESSION_CLOSED);
  t.equal(closed.length, 1);
  t.equal(closed[0].error, 0);
  t.equal(pes[0].node.client.state.sessionCount_, 0);
  t.equal(pu.client.state.sessionCount_, 0);
});

t.test("explicit failover, with and without an unreachable report", async (t) => {
  const { h, pr, pes, pu } = world(0, 3);
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(50);
  const a = connectedPe(pes);
  t.ok(pu.run((cl, now) => cl.failover(now, session, false)));
  h.advance(50);
  t.equal(pr.machine.counts.unreachable, 0);
  const b = pes.find((p) => p !== a && p.node.of(EVENT_SESSION_ACCEPTED).length > 0) as EchoPe;
  t.ok(b, "moved to another PE");
  t.equal(a.node.of(EVENT_SESSION_CLOSED).length, 1, "the old PE saw the session end");
  t.ok(pu.run((cl, now) => cl.failover(now, session, true)));
  h.advance(50);
  t.equal(pr.machine.counts.unreachable, 1, "reported");
  t.equal(pr.machine.log.filter((l) => l.startsWith("9 Echo " + b.id)).length, 1, "about the PE it left");
  t.equal(pu.of(EVENT_FAILOVER_COMPLETE).length, 2);
  t.equal(pu.of(EVENT_FAILOVER_COMPLETE)[0].flags, 0, "no cookie yet, nothing echoed");
  t.notOk(pu.run((cl, now) => cl.failover(now, 12345, false)), "unknown session");
});

t.test("no PE reachable: the session closes and queued data comes back", async (t) => {
  const { h, pu } = world(0, 0);
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  t.ok(pu.run((cl, now) => cl.send(now, session, 3, PPID, u32(1))));
  t.ok(pu.run((cl, now) => cl.send(now, session, 4, PPID, u32(2))));
  t.notOk(pu.run((cl, now) => cl.send(now, session, 0, 11, u32(3))), "PPID 11 belongs to the control channel");
  h.advance(60000);
  const closed = pu.of(EVENT_SESSION_CLOSED);
  t.equal(closed.length, 1);
  t.equal(closed[0].error, ERROR_POOL_NOT_FOUND);
  const back = pu.of(EVENT_DATA_RETURNED);
  t.same(back.map((e) => [e.stream, num(e.bytes)]), [[3, 1], [4, 2]], "returned in order, with their streams");
  t.ok(back.every((e) => e.ppid === PPID));
  t.ok(pu.events.indexOf(back[1]) < pu.events.indexOf(closed[0]), "before the close");
  t.equal(pu.client.state.sessionCount_, 0);
  t.notOk(pu.run((cl, now) => cl.send(now, session, 0, PPID, u32(1))), "gone");
});

t.test("PEs that refuse or time out are skipped; attempts are bounded; close hands data back", async (t) => {
  const h = new Harness({ abortOnKill: true });
  h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863 });
  // Registered but not listening: connects are refused.
  const ghost = h.client("ghost", ["10.0.2.9"], { announce: false, registrars: STATIC });
  ghost.run((cl, now) => cl.registerPoolElement(now, "Echo", { addresses: ["10.0.2.9"], port: 7000, identifier: 9, controlChannel: true }));
  const real = echoPe(h, "pe1", "10.0.2.1", 101);
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC, maxQueuedMessages: 2 });
  h.advance(100);
  const s1 = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(100);
  const s2 = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(100);
  t.same(pu.of(EVENT_SESSION_UP).map((e) => [e.session, e.identifier]), [[s1, real.id], [s2, real.id]],
    "both sessions end up at the listening PE");
  t.ok(h.network.stats.connectFailures >= 1, "the refusing PE was tried and passed over");
  // The PE's host is cut off: connects time out (5 s each), the PU keeps trying up to its limit.
  h.network.partition(["pu"], ["pe1", "ghost"]);
  const s3 = pu.run((cl, now) => cl.connect(now, "Echo"));
  t.ok(pu.run((cl, now) => cl.send(now, s3, 0, PPID, u32(1))));
  t.ok(pu.run((cl, now) => cl.send(now, s3, 0, PPID, u32(2))));
  t.notOk(pu.run((cl, now) => cl.send(now, s3, 0, PPID, u32(3))), "queue full: refused, not dropped");
  h.advance(4999);
  t.equal(pu.of(EVENT_SESSION_CLOSED).length, 0, "still trying");
  h.advance(60000);
  const closed = pu.of(EVENT_SESSION_CLOSED).filter((e) => e.session === s3);
  t.equal(closed.length, 1, "gave up after sessionMaxAttempts");
  t.equal(closed[0].error, ERROR_NO_POOL_ELEMENT);
  t.same(pu.of(EVENT_DATA_RETURNED).map((e) => num(e.bytes)), [1, 2], "queued data handed back");
  // close() of a session still connecting hands its data back too.
  const s4 = pu.run((cl, now) => cl.connect(now, "Echo"));
  t.ok(pu.run((cl, now) => cl.send(now, s4, 0, PPID, u32(7))));
  t.ok(pu.run((cl, now) => cl.close(now, s4)));
  t.same(pu.of(EVENT_DATA_RETURNED).map((e) => num(e.bytes)), [1, 2, 7]);
  t.notOk(pu.run((cl, now) => cl.close(now, s4)), "closed once");
  h.advance(60000);
  t.equal(pu.of(EVENT_SESSION_CLOSED).filter((e) => e.session === s4).length, 0, "no event for a session the application closed");
});
