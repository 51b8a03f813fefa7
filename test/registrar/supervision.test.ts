import t from "tap";
import {
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_FLAG_HOME,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION_RESPONSE,
  CAUSE_UNKNOWN_POOL_HANDLE,
} from "../../core/wire/index.js";
import { DOWN_ABORTED, DOWN_CLOSED } from "../../core/driver/machine.js";
import {
  CLOSED_IDLE,
  CLOSED_KEEP_ALIVE_TIMEOUT,
  EVENT_ASSOCIATION_ENDED,
  EVENT_REMOVED,
  REMOVED_ASSOCIATION_DOWN,
  REMOVED_KEEP_ALIVE_TIMEOUT,
  REMOVED_UNREACHABLE,
} from "../../core/registrar/index.js";
import {
  OFFSETS,
  bytesOf,
  causes,
  identifiers,
  registration,
  resolution,
  scenario,
  text,
  unreachable,
} from "./fixture.js";

for (const offset of OFFSETS) {
  t.test(`keep-alive supervision at clock offset ${offset}`, async (t) => {
    const s = scenario({}, offset);
    const silent = s.party("silent", ["10.0.0.2"]);
    const alive = s.party("alive", ["10.0.0.4"]);
    const pu = s.party("pu", ["10.0.0.3"]);
    const a = s.attach(silent);
    const b = s.attach(alive);
    alive.client.autoAck.add(b);
    const registeredAt = s.network.now;
    silent.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
    alive.run((c) => c.sendMessage(b, registration("Pool", 2, ["10.0.0.4"])));
    s.settle();
    t.equal(silent.client.messages(ASAP_REGISTRATION_RESPONSE)[0].flags, 0);

    // Just before the transmission interval: nothing yet.
    s.network.advanceTo(registeredAt + 4990);
    t.equal(silent.client.keepAlivesSeen, 0, "no keep-alive before 5000 ms");
    s.network.advanceTo(registeredAt + 5100);
    const keepAlive = silent.client.messages(ASAP_ENDPOINT_KEEP_ALIVE)[0];
    t.ok(keepAlive !== undefined, "a keep-alive after the transmission interval");
    const ka = silent.client.received.find((r) => r.message?.type === ASAP_ENDPOINT_KEEP_ALIVE);
    t.ok(ka !== undefined && ka.time - registeredAt >= 5000 && ka.time - registeredAt <= 5010, "sent at 5000 ms (+latency)");
    t.equal(keepAlive.serverIdentifier, s.server.registrar.identifier, "carries the registrar id");
    t.same(bytesOf(keepAlive.poolHandle), bytesOf(text("Pool")), "the pool handle");
    t.equal(keepAlive.peIdentifier, 1, "and the PE identifier (rsplib)");
    t.equal(keepAlive.flags & ASAP_FLAG_HOME, 0, "no H flag");

    // No ACK: the association is aborted after the timeout, the PE removed.
    s.network.advanceTo(registeredAt + 9990);
    t.equal(silent.client.downs.length, 0, "still up before the timeout");
    s.network.advanceTo(registeredAt + 10100);
    t.same(silent.client.downs.map((d) => d.reason), [DOWN_ABORTED], "the silent PE's association was aborted");
    const removed = s.server.events.filter((e) => e.kind === EVENT_REMOVED);
    t.same(removed.map((e) => [e.identifier, e.cause]), [[1, REMOVED_KEEP_ALIVE_TIMEOUT]]);
    t.same(
      s.server.events.filter((e) => e.kind === EVENT_ASSOCIATION_ENDED).map((e) => e.cause),
      [CLOSED_KEEP_ALIVE_TIMEOUT],
    );

    // The answering PE stays through many rounds.
    s.network.advanceTo(registeredAt + 60000);
    t.ok(alive.client.keepAlivesSeen >= 5, `the live PE was asked ${alive.client.keepAlivesSeen} times`);
    t.equal(alive.client.downs.length, 0, "and is still connected");
    t.equal(s.server.registrar.statistics.keepAliveAcks, alive.client.keepAlivesSeen, "every ACK counted");
    const c = s.attach(pu);
    pu.run((x) => x.sendMessage(c, resolution("Pool")));
    s.settle();
    t.same(identifiers(pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [2], "only the live PE is left");
    t.ok(s.server.registrar.pollTimeout() > s.network.now, "the next deadline is in the future");
  });
}

t.test("association loss removes every PE registered over it at once", async (t) => {
  for (const how of ["close", "abort"] as const) {
    const s = scenario();
    const pe = s.party("pe", ["10.0.0.2"]);
    const other = s.party("other", ["10.0.0.4"]);
    const pu = s.party("pu", ["10.0.0.3"]);
    const a = s.attach(pe);
    const b = s.attach(other);
    pe.run((c) => {
      c.sendMessage(a, registration("A", 1, ["10.0.0.2"]));
      c.sendMessage(a, registration("A", 2, ["10.0.0.2"]));
      c.sendMessage(a, registration("B", 3, ["10.0.0.2"]));
    });
    other.run((c) => c.sendMessage(b, registration("A", 4, ["10.0.0.4"])));
    s.settle();
    t.equal(s.server.registrar.handlespace.count, 4);
    const before = s.network.now;
    pe.run((c) => (how === "close" ? c.close(a) : c.abort(a)));
    s.settle();
    const removed = s.server.events.filter((e) => e.kind === EVENT_REMOVED);
    t.same(removed.map((e) => e.identifier).sort(), [1, 2, 3], `${how}: the three PEs of the association`);
    t.ok(removed.every((e) => e.cause === REMOVED_ASSOCIATION_DOWN && e.time - before < 20), "at once, on the down");
    t.equal(s.server.registrar.handlespace.count, 1);
    const c = s.attach(pu);
    pu.run((x) => {
      x.sendMessage(c, resolution("A"));
      x.sendMessage(c, resolution("B"));
    });
    s.settle();
    const [poolA, poolB] = pu.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE);
    t.same(identifiers(poolA), [4], "the other association's PE stays");
    t.same(causes(poolB), [CAUSE_UNKNOWN_POOL_HANDLE], "pool B is gone");
    t.equal(pe.client.downs[0].reason, how === "close" ? DOWN_CLOSED : DOWN_ABORTED);
  }
});

t.test("three unreachable reports remove a PE", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu1 = s.party("pu1", ["10.0.0.3"]);
  const pu2 = s.party("pu2", ["10.0.0.5"]);
  const a = s.attach(pe);
  pe.client.autoAck.add(a);
  pe.run((c) => {
    c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"]));
    c.sendMessage(a, registration("Pool", 2, ["10.0.0.2"]));
  });
  s.settle();
  const b = s.attach(pu1);
  const c = s.attach(pu2);
  pu1.run((x) => x.sendMessage(b, unreachable("Pool", 1)));
  pu2.run((x) => x.sendMessage(c, unreachable("Pool", 1)));
  s.settle();
  pu1.run((x) => x.sendMessage(b, resolution("Pool")));
  s.settle();
  t.same(identifiers(pu1.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]).sort(), [1, 2], "two reports: still there");
  t.equal(s.server.events.filter((e) => e.kind === EVENT_REMOVED).length, 0);
  pu1.run((x) => x.sendMessage(b, unreachable("Pool", 1)));
  s.settle();
  const removed = s.server.events.filter((e) => e.kind === EVENT_REMOVED);
  t.same(removed.map((e) => [e.identifier, e.cause]), [[1, REMOVED_UNREACHABLE]], "the third report removes it");
  pu2.run((x) => x.sendMessage(c, resolution("Pool")));
  s.settle();
  t.same(identifiers(pu2.client.messages(ASAP_HANDLE_RESOLUTION_RESPONSE)[0]), [2]);
  t.equal(pe.client.downs.length, 0, "the PE's association is not touched");
  t.equal(s.server.registrar.statistics.unreachableReports, 3);
  t.equal(pu1.client.received.filter((r) => r.message?.type !== ASAP_HANDLE_RESOLUTION_RESPONSE).length, 0,
    "unreachable reports are not answered");
  // Reports for unknown PEs are harmless.
  pu1.run((x) => x.sendMessage(b, unreachable("Pool", 99)));
  pu1.run((x) => x.sendMessage(b, unreachable("Nope", 2)));
  s.settle();
  t.equal(s.server.registrar.handlespace.count, 1);
});

t.test("a re-registration resets the unreachable count", async (t) => {
  const s = scenario();
  const pe = s.party("pe", ["10.0.0.2"]);
  const pu = s.party("pu", ["10.0.0.3"]);
  const a = s.attach(pe);
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  const b = s.attach(pu);
  pu.run((x) => {
    x.sendMessage(b, unreachable("Pool", 1));
    x.sendMessage(b, unreachable("Pool", 1));
  });
  s.settle();
  pe.run((c) => c.sendMessage(a, registration("Pool", 1, ["10.0.0.2"])));
  s.settle();
  pu.run((x) => x.sendMessage(b, unreachable("Pool", 1)));
  s.settle();
  t.equal(s.server.registrar.handlespace.count, 1, "counting started over");
});

t.test("idle associations are closed after the autoclose timeout", async (t) => {
  const s = scenario({ autoCloseTimeoutMs: 30000 });
  const pu = s.party("pu", ["10.0.0.3"]);
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pu);
  const b = s.attach(pe);
  pe.client.autoAck.add(b);
  pe.run((c) => c.sendMessage(b, registration("Pool", 1, ["10.0.0.2"])));
  pu.run((c) => c.sendMessage(a, resolution("Pool")));
  s.settle();
  s.network.advance(29000);
  t.equal(pu.client.downs.length, 0, "not yet");
  s.network.advance(2000);
  t.same(pu.client.downs.map((d) => d.reason), [DOWN_CLOSED], "the idle PU association was closed gracefully");
  t.equal(pe.client.downs.length, 0, "the PE with keep-alive traffic stays");
  t.ok(s.server.events.some((e) => e.kind === EVENT_ASSOCIATION_ENDED && e.cause === CLOSED_IDLE));
});

t.test("keep-alives for more PEs than the transmit queue holds are all sent", async (t) => {
  const s = scenario({ transmitQueueCapacity: 16, maxPoolElementsPerAssociation: 64 });
  const pe = s.party("pe", ["10.0.0.2"]);
  const a = s.attach(pe);
  pe.client.autoAck.add(a);
  pe.run((c) => {
    for (let id = 1; id <= 40; id++) c.sendMessage(a, registration("Pool", id, ["10.0.0.2"]));
  });
  s.settle();
  t.equal(s.server.registrar.handlespace.count, 40);
  s.network.advance(5100);
  t.equal(pe.client.keepAlivesSeen, 40, "one keep-alive per PE, in several rounds");
  s.network.advance(30000);
  t.equal(s.server.registrar.handlespace.count, 40, "every PE answered and stays");
  t.equal(pe.client.downs.length, 0);
  t.equal(s.server.registrar.statistics.droppedTransmits, 0, "nothing was dropped");
});
