// The client against the real registrar machine (core/registrar) on the
// virtual platform: hunt, PE registration and supervision, PU resolution and
// failure reports, and a session failing over with its cookie. (The real
// registrar has no takeover yet: the home-registrar change is tested with
// the scripted registrar in pool-element.test.ts.)
import t from "tap";
import { Harness } from "../support/client-harness.js";
import type { ClientNode, RegistrarNode } from "../support/client-harness.js";
import { createRegistrar } from "../../core/registrar/registrar.js";
import type { Registrar } from "../../core/registrar/registrar.js";
import type { RegistrarConfig } from "../../core/registrar/config.js";
import {
  ERROR_POOL_NOT_FOUND,
  EVENT_COOKIE,
  EVENT_DATA,
  EVENT_FAILOVER_COMPLETE,
  EVENT_REGISTERED,
  EVENT_REGISTRAR_DOWN,
  EVENT_REGISTRAR_UP,
  EVENT_REGISTRATION_FAILED,
  EVENT_RESOLVED,
  EVENT_SESSION_ACCEPTED,
  EVENT_SESSION_UP,
  EVENT_COOKIE_ECHO,
  FLAG_COOKIE_ECHOED,
} from "../../core/client/events.js";
import { newPolicy } from "../../core/wire/build.js";
import { POLICY_LEAST_USED } from "../../core/wire/constants.js";

const OFFSETS = [0, 2 ** 32, 2 ** 52];

function registrar(h: Harness, name: string, address: string, options: Partial<RegistrarConfig> = {}): RegistrarNode<Registrar> {
  h.network.addHost(name, [address]);
  const platform = h.network.createPlatform(name);
  const machine = createRegistrar({
    random: (b) => platform.random(b), enrpTransports: [], enrpAnnounce: false, asapAnnounce: false, ...options,
  });
  const node = h.machineOn(name, machine);
  node.driver.run(() => machine.start(node.platform.now()), null);
  return node;
}

function resolveNow(h: Harness, pu: ClientNode, handle: string, options: object | null) {
  const rq = pu.run((cl, now) => cl.resolve(now, handle, options));
  h.advance(20);
  return pu.events.find((e) => e.kind === EVENT_RESOLVED && e.request === rq);
}

const byId = (r: RegistrarNode<Registrar>, handle: string, id: number): number =>
  r.machine.handlespace.find(new TextEncoder().encode(handle), id);

for (const offset of OFFSETS) {
  t.test(`hunt over a dead first registrar, register, resolve (offset ${offset})`, async (t) => {
    const h = new Harness({ startMs: offset });
    h.network.addHost("dead", ["10.0.0.1"]);
    h.network.kill("dead");
    const pr = registrar(h, "pr", "10.0.0.2", { identifier: 0x2222 });
    const c = h.client("c", ["10.0.1.1"], {
      announce: false,
      random: (b) => { for (let i = 0; i < b.length; i++) b[i] = (i * 6 + 2) & 0xff; }, // dead one first
      registrars: [{ addresses: ["10.0.0.1"], port: 3863 }, { addresses: ["10.0.0.2"], port: 3863 }],
    });
    const id = c.run((cl, now) => cl.registerPoolElement(now, "EchoPool", { addresses: ["10.0.1.1"], port: 7000 }));
    h.advance(1000);
    t.equal(h.network.stats.connects, 2, "both tried");
    t.equal(c.of(EVENT_REGISTERED).length, 1);
    t.ok(byId(pr, "EchoPool", id) >= 0, "registered at the real registrar");
    const r = resolveNow(h, c, "EchoPool", { items: 1 });
    t.equal(r?.poolElements[0]?.identifier, id);
    t.equal(resolveNow(h, c, "Nope", null)?.error, ERROR_POOL_NOT_FOUND);
  });
}

t.test("announce-only discovery with the real registrar's announces", async (t) => {
  const h = new Harness();
  const pr = registrar(h, "pr", "10.0.0.1", { identifier: 0x5151, asapAnnounce: true, asapPort: 4711 });
  const c = h.client("c", ["10.0.1.1"], {});
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(3000);
  const up = c.of(EVENT_REGISTRAR_UP);
  t.equal(up.length, 1);
  t.equal(up[0].registrar, 0x5151, "the announced server id");
  t.ok(byId(pr, "P", id) >= 0);
});

t.test("registrar dies mid-request: the request is retried on another", async (t) => {
  const h = new Harness();
  const a = registrar(h, "a", "10.0.0.1", { identifier: 0xa });
  const b = registrar(h, "b", "10.0.0.2", { identifier: 0xb });
  const c = h.client("c", ["10.0.1.1"], {
    announce: false,
    registrarRequestMaxTrials: 2,
    registrars: [{ addresses: ["10.0.0.1"], port: 3863 }, { addresses: ["10.0.0.2"], port: 3863 }],
  });
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000 }));
  h.advance(100);
  const first = byId(a, "P", id) >= 0 ? a : b;
  const other = first === a ? b : a;
  h.network.kill(first.name);
  const r = resolveNow(h, c, "P", { staleAfterMs: 0 });
  t.equal(r, undefined, "no answer from the dead registrar");
  h.advance(5000);
  const late = c.of(EVENT_RESOLVED);
  t.equal(late.length, 1);
  t.equal(late[0].error, 0, "answered by the other registrar on the second trial");
  t.equal(late[0].poolElements[0]?.identifier, id, "where the PE registered again at once");
  t.equal(c.of(EVENT_REGISTRAR_DOWN).length, 1);
  t.ok(byId(other, "P", id) >= 0);
});

t.test("PE under the real registrar's supervision for a virtual hour", async (t) => {
  const h = new Harness();
  const pr = registrar(h, "pr", "10.0.0.1", { identifier: 1 });
  const c = h.client("c", ["10.0.1.1"], { announce: false, registrars: [{ addresses: ["10.0.0.1"], port: 3863 }] });
  const policy = newPolicy(POLICY_LEAST_USED);
  const id = c.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.1.1"], port: 7000, policy }));
  h.advance(3600 * 1000);
  const s = pr.machine.statistics;
  t.ok(byId(pr, "P", id) >= 0, "still registered after an hour");
  t.equal(s.removedPoolElements, 0, "never expired nor removed");
  t.equal(s.registrations, 1);
  t.equal(s.reregistrations, 119, "every 30 s");
  t.ok(s.keepAlivesSent >= 500, `supervised by keep-alives (${s.keepAlivesSent})`);
  t.ok(s.keepAliveAcks >= s.keepAlivesSent - 1, "every keep-alive answered");
  t.equal(c.of(EVENT_REGISTRATION_FAILED).length, 0);
  // A load change re-registers at once.
  c.run((cl, now) => cl.setLoad(now, "P", id, 0x80000000));
  h.advance(10);
  t.equal(s.reregistrations, 120);
  const record = { policy: newPolicy(0) };
  pr.machine.handlespace.readPolicy(byId(pr, "P", id), record.policy);
  t.equal(record.policy.load, 0x80000000, "the registrar has the new load");
});

t.test("PU: cache hit, stale refresh, failure reports remove the PE after the threshold", async (t) => {
  const h = new Harness();
  const pr = registrar(h, "pr", "10.0.0.1", { identifier: 1 });
  const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];
  const pe = h.client("pe", ["10.0.2.1"], { announce: false, registrars: STATIC });
  for (let i = 0; i < 3; i++) pe.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.2.1"], port: 7000 + i, identifier: 10 + i }));
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC });
  h.advance(100);
  resolveNow(h, pu, "P", null);
  resolveNow(h, pu, "P", null);
  t.equal(pr.machine.statistics.handleResolutions, 1, "second one from the cache");
  t.equal(pu.client.state.cache_.count, 3, "the registrar's default of 3 items cached");
  h.advance(30000);
  resolveNow(h, pu, "P", null);
  t.equal(pr.machine.statistics.handleResolutions, 2, "stale cache refreshed");
  for (let i = 0; i < 3; i++) {
    pu.run((cl, now) => cl.reportFailure(now, "P", 11));
    h.advance(200);
    t.equal(byId(pr, "P", 11) >= 0, i < 2, `after ${i + 1} report(s)`);
  }
  const r = resolveNow(h, pu, "P", { items: 5, staleAfterMs: 0 });
  t.same(r?.poolElements.map((p) => p.identifier).sort(), [10, 12], "gone for every PU");
});

t.test("echo session fails over with its cookie through the real registrar", async (t) => {
  const h = new Harness({ abortOnKill: true });
  registrar(h, "pr", "10.0.0.1", { identifier: 1 });
  const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];
  const pes: ClientNode[] = [];
  for (let i = 0; i < 2; i++) {
    const address = "10.0.2." + (i + 1);
    const node = h.client("pe" + i, [address], { announce: false, registrars: STATIC });
    node.run((cl, now) => {
      cl.listen(now, { port: 7000 });
      cl.registerPoolElement(now, "Echo", { addresses: [address], port: 7000, controlChannel: true });
    });
    node.react = (e) => {
      if (e.kind === EVENT_DATA) {
        node.run((cl, now) => {
          cl.send(now, e.session, e.stream, e.ppid, e.bytes as Uint8Array);
          cl.sendCookie(now, e.session, e.bytes as Uint8Array);
        });
      }
    };
    pes.push(node);
  }
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC });
  h.advance(100);
  const session = pu.run((cl, now) => cl.connect(now, "Echo"));
  h.advance(50);
  t.equal(pu.of(EVENT_SESSION_UP).length, 1);
  pu.run((cl, now) => cl.send(now, session, 0, 38, Uint8Array.of(1, 2, 3)));
  h.advance(10);
  t.same(Array.from(pu.of(EVENT_COOKIE)[0]?.bytes ?? []), [1, 2, 3]);
  const first = pes.find((p) => p.of(EVENT_SESSION_ACCEPTED).length > 0) as ClientNode;
  const second = pes.find((p) => p !== first) as ClientNode;
  h.network.kill(first.platform, { abort: true });
  h.advance(100);
  const done = pu.of(EVENT_FAILOVER_COMPLETE);
  t.equal(done.length, 1);
  t.equal(done[0].flags, FLAG_COOKIE_ECHOED);
  const echo = second.of(EVENT_COOKIE_ECHO);
  t.same(Array.from(echo[0]?.bytes ?? []), [1, 2, 3], "the new PE got the cookie");
});
