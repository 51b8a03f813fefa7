// Pool element: re-registration before expiry over a long run, keep-alive
// answers, load updates (rate-limited), updates by calling register again,
// deregistration, rejects, and the home-registrar change on an H keep-alive.
import t from "tap";
import { Harness } from "../support/client-harness.js";
import {
  ERROR_REJECTED,
  EVENT_DEREGISTERED,
  EVENT_HOME_CHANGED,
  EVENT_REGISTERED,
  EVENT_REGISTRATION_FAILED,
} from "../../core/client/events.js";
import {
  ASAP_FLAG_HOME,
  CAUSE_INCONSISTENT_POLICY,
  POLICY_LEAST_USED,
  POLICY_ROUND_ROBIN,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
} from "../../core/wire/constants.js";
import { newPolicy } from "../../core/wire/build.js";

const OFFSETS = [0, 2 ** 32, 2 ** 52];
const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];

function setup(offset = 0, config = {}) {
  const h = new Harness({ startMs: offset });
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 0x1001, asapPort: 3863 });
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: STATIC, ...config });
  return { h, pr, c };
}

for (const offset of OFFSETS) {
  t.test(`re-registration before expiry over a virtual hour, without drift (offset ${offset})`, async (t) => {
    const { h, pr, c } = setup(offset);
    const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
    const start = h.now;
    h.advance(3600 * 1000);
    const pe = pr.machine.find("P", id);
    t.ok(pe, "still registered");
    const times = (pe as NonNullable<typeof pe>).times;
    t.equal(times.length, 120, "every 30 s (the 121st is still on its way)");
    t.ok(times[0] - start <= 3, "first one at once (hunt plus latency)");
    let worst = 0;
    for (let i = 1; i < times.length; i++) worst = Math.max(worst, Math.abs(times[i] - times[i - 1] - 30000));
    t.equal(worst, 0, "every gap exactly the interval");
    t.equal(times[119] - times[0], 119 * 30000, "anchored on the schedule: no drift");
    t.equal((pe as NonNullable<typeof pe>).element.registrationLife, 90000, "life 3 x interval, well beyond the gap");
    t.equal(c.of(EVENT_REGISTERED).length, 1, "one REGISTERED event, not one per re-registration");
    t.equal(c.client.state.queued_.length + c.client.state.inflight_.length, 0, "no request left over");
  });
}

t.test("registration carries identifier, transport, control flag and policy; random ids", async (t) => {
  const { h, pr, c } = setup();
  const policy = newPolicy(POLICY_LEAST_USED);
  policy.load = 0x40000000;
  const a = c.run((cl, now) => cl.registerPoolElement(now, "P", {
    addresses: ["10.0.1.1"], port: 7000, policy, controlChannel: true, identifier: 42,
  }));
  const b = c.run((cl, now) => cl.registerPoolElement(now, "Q", { addresses: ["10.0.1.1"], port: 7001 }));
  h.advance(10);
  t.equal(a, 42);
  t.not(b, 0, "random identifier");
  const pe = pr.machine.find("P", 42)?.element;
  t.equal(pe?.policy.type, POLICY_LEAST_USED);
  t.equal(pe?.policy.load, 0x40000000);
  t.equal(pe?.userTransport.port, 7000);
  t.equal(pe?.userTransport.transportUse, TRANSPORT_USE_DATA_PLUS_CONTROL);
  t.same(Array.from(pe?.userTransport.addresses[0] ?? []), [10, 0, 1, 1]);
  t.ok(pr.machine.find("Q", b));
  t.throws(() => c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["nope"], port: 7000 })), /bad address/);
  t.throws(() => c.run((cl, now) => cl.registerPoolElement(now, "", { addresses: [], port: 7000 })), /handle/);
});

t.test("keep-alive: an ACK per PE; without a PE id, for all of the pool's PEs", async (t) => {
  const { h, pr, c } = setup();
  for (const [handle, id] of [["A", 1], ["A", 2], ["B", 3]] as const) {
    c.run((cl, now) => cl.registerPoolElement(now, handle, { addresses: ["10.0.1.1"], port: 7000 + id, identifier: id }));
  }
  h.advance(10);
  pr.driver.run(() => pr.machine.keepAlive("A", 2, 0), null);
  h.advance(10);
  t.equal(pr.machine.counts.acks, 1);
  t.equal(pr.machine.find("A", 2)?.acks, 1);
  pr.driver.run(() => pr.machine.keepAlive("A", null, 0), null);
  h.advance(10);
  t.equal(pr.machine.counts.acks, 3, "both PEs of pool A");
  t.equal(pr.machine.find("B", 3)?.acks, 0, "not pool B's");
  pr.driver.run(() => pr.machine.keepAlive("A", 99, 0, pr.machine.find("A", 1)?.association), null);
  h.advance(10);
  t.equal(pr.machine.counts.acks, 3, "unknown PE: no ACK");
});

t.test("periodic keep-alives over an hour are all answered", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863, keepAliveIntervalMs: 5000 });
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: STATIC });
  c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(3600 * 1000);
  h.advance(10); // the last one's ACK
  t.ok(pr.machine.counts.keepAlives > 700);
  t.equal(pr.machine.counts.acks, pr.machine.counts.keepAlives);
});

t.test("load changes re-register at once, rate-limited; register again updates", async (t) => {
  const { h, pr, c } = setup(0, { loadUpdateIntervalMs: 1000 });
  const policy = newPolicy(POLICY_LEAST_USED);
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000, policy }));
  h.advance(2000);
  const stored = () => pr.machine.find("P", id);
  t.equal(stored()?.registrations, 1);
  t.ok(c.run((cl, now) => cl.setLoad(now, "P", id, 1000)));
  h.advance(10);
  t.equal(stored()?.registrations, 2, "re-registered at once");
  t.equal(stored()?.element.policy.load, 1000);
  const t0 = h.now;
  c.run((cl, now) => cl.setLoad(now, "P", id, 2000));
  c.run((cl, now) => cl.setLoad(now, "P", id, 3000));
  h.advance(500);
  t.equal(stored()?.registrations, 2, "rate-limited");
  h.advance(600);
  t.equal(stored()?.registrations, 3, "one more, with the latest load");
  t.equal(stored()?.element.policy.load, 3000);
  const last = stored()?.times[2] as number;
  t.ok(last - t0 <= 1000, "within the rate limit interval");
  c.run((cl, now) => cl.setLoad(now, "P", id, 3000));
  h.advance(2000);
  t.equal(stored()?.registrations, 3, "unchanged load: nothing sent");
  t.notOk(c.run((cl, now) => cl.setLoad(now, "P", 12345, 1)), "unknown PE");
  // Register again with new values: an update, re-registered at once.
  policy.load = 77;
  c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7002, policy, identifier: id }));
  h.advance(10);
  t.equal(stored()?.registrations, 4);
  t.equal(stored()?.element.userTransport.port, 7002);
  t.equal(stored()?.element.policy.load, 77);
  t.equal(c.client.state.own_.count, 1, "still one PE");
  t.equal(c.of(EVENT_REGISTERED).length, 2, "the update is confirmed");
});

t.test("deregistration; rejects are reported and retried", async (t) => {
  const { h, pr, c } = setup();
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(10);
  c.run((cl, now) => cl.deregisterPoolElement(now, "P", id));
  h.advance(10);
  t.notOk(pr.machine.find("P", id));
  const d = c.of(EVENT_DEREGISTERED);
  t.equal(d.length, 1);
  t.equal(d[0].identifier, id);
  t.equal(d[0].error, 0);
  t.equal(c.client.state.own_.count, 0);
  h.advance(60000);
  t.equal(pr.machine.counts.registrations, 1, "no re-registration after deregistration");

  pr.machine.rejectCause = CAUSE_INCONSISTENT_POLICY;
  const id2 = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(10);
  const f = c.of(EVENT_REGISTRATION_FAILED);
  t.equal(f.length, 1);
  t.equal(f[0].error, ERROR_REJECTED);
  t.equal(f[0].cause, CAUSE_INCONSISTENT_POLICY);
  pr.machine.rejectCause = 0;
  h.advance(30000);
  t.ok(pr.machine.find("P", id2), "accepted at the next re-registration");
  t.equal(c.of(EVENT_REGISTERED).length, 2);

  // Locally inconsistent (same pool, another policy type): refused at once.
  const policy = newPolicy(POLICY_LEAST_USED);
  t.equal(c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7001, policy })), 0);
  t.equal(c.of(EVENT_REGISTRATION_FAILED).at(-1)?.cause, CAUSE_INCONSISTENT_POLICY);
  t.equal(newPolicy(POLICY_ROUND_ROBIN).type, 1);
});

t.test("deregistering before the registration went out cancels it", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863 });
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: STATIC });
  c.run((cl, now) => {
    const id = cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 });
    cl.deregisterPoolElement(now, "P", id);
  });
  h.advance(100);
  t.equal(pr.machine.counts.registrations, 0);
  t.equal(pr.machine.counts.deregistrations, 1);
});

for (const offset of OFFSETS) {
  t.test(`home-registrar change on an H keep-alive (offset ${offset})`, async (t) => {
    const h = new Harness({ startMs: offset });
    const a = h.fakeRegistrar("a", "10.0.0.1", { identifier: 0xa, asapPort: 3863 });
    const b = h.fakeRegistrar("b", "10.0.0.2", { identifier: 0xb, asapPort: 3863 });
    const c = h.client("c", ["10.0.1.1"], {
      announce: false, asapPort: 3863, registrars: [{ addresses: ["10.0.0.1"], port: 3863 }],
    });
    const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
    h.advance(100);
    t.ok(a.machine.find("P", id), "home is A");
    // A keep-alive with H from the current home only confirms it.
    a.driver.run(() => a.machine.keepAlive("P", id, ASAP_FLAG_HOME), null);
    h.advance(10);
    t.equal(c.client.state.registrarId_, 0xa);
    t.equal(c.of(EVENT_HOME_CHANGED).length, 0);
    // B takes over: it connects to the PE's ASAP transport (10.0.1.1:3863) and sends H.
    b.machine.store.set("P/" + id, { ...(a.machine.find("P", id) as NonNullable<ReturnType<typeof a.machine.find>>), times: [], acks: 0, registrations: 0 });
    const connects = h.network.stats.connects;
    b.driver.run(() => b.machine.takeOver(["10.0.1.1"], 3863, [{ handle: "P", identifier: id }]), null);
    h.advance(100);
    t.equal(h.network.stats.connects, connects + 1, "only B's connect: the PE starts no hunt");
    const home = c.of(EVENT_HOME_CHANGED);
    t.equal(home.length, 1);
    t.equal(home[0].registrar, 0xb);
    t.equal(c.client.state.registrarId_, 0xb);
    t.equal(a.machine.up.size, 0, "the old association is dropped");
    t.equal(b.machine.find("P", id)?.acks, 1, "keep-alive answered on the new association");
    h.advance(30000);
    t.equal(b.machine.find("P", id)?.registrations, 1, "re-registration goes to the new home");
    t.equal(a.machine.counts.registrations, 1);
    // Keep-alives without H from an association that is not the registrar's are ignored.
    const rq = c.run((cl, now) => cl.resolve(now, "P", { staleAfterMs: 0 }));
    h.advance(10);
    t.equal(c.events.filter((e) => e.request === rq).length, 1, "requests use the new home");
  });
}

t.test("a PE registered while no registrar is reachable keeps trying and registers later", async (t) => {
  const h = new Harness();
  h.network.addHost("pr", ["10.0.0.1"]);
  h.network.kill("pr");
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: STATIC });
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(20000);
  const failed = c.of(EVENT_REGISTRATION_FAILED);
  t.equal(failed.length, 1, "reported once");
  t.equal(failed[0].error, 1, "no registrar");
  t.equal(c.client.state.hunting_, false, "the hunt gave up");
  h.network.revive("pr");
  const pr = h.fakeRegistrarOn("pr", { identifier: 7, asapPort: 3863 });
  h.advance(15000);
  t.ok(pr.machine.find("P", id), "registered at the next re-registration");
  t.equal(c.of(EVENT_REGISTERED).length, 1);
  h.advance(60000);
  t.equal(pr.machine.find("P", id)?.registrations, 3, "and re-registers on schedule");
});

t.test("the ASAP listener takes only a few registrar associations at a time", async (t) => {
  const h = new Harness();
  const c = h.client("c", ["10.0.1.1"], { announce: false, asapPort: 3863, maxRegistrars: 2 });
  c.run((cl, now) => cl.start(now));
  const rogues = [];
  for (let i = 0; i < 4; i++) rogues.push(h.fakeRegistrar("r" + i, "10.0.0." + (i + 1), { identifier: i + 1, asapPort: 3863 }));
  for (const r of rogues) r.driver.run(() => r.machine.takeOver(["10.0.1.1"], 3863, []), null);
  h.advance(100);
  t.equal(rogues.filter((r) => r.machine.up.size === 1).length, 2, "two kept, the others aborted");
});
