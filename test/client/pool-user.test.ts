// Pool user: cache hit, stale cache refresh, no cache, selection by the
// pool's policy from the cache, failure reports (removal everywhere after
// the registrar's threshold), errors as values.
import t from "tap";
import { Harness } from "../support/client-harness.js";
import type { ClientNode } from "../support/client-harness.js";
import {
  ERROR_LACK_OF_RESOURCES,
  ERROR_NO_REGISTRAR,
  ERROR_POOL_NOT_FOUND,
  EVENT_RESOLVED,
} from "../../core/client/events.js";
import { newPolicy } from "../../core/wire/build.js";
import { POLICY_LEAST_USED } from "../../core/wire/constants.js";

const STATIC = [{ addresses: ["10.0.0.1"], port: 3863 }];

function setup(config = {}) {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863, maxItems: 3 });
  const pe = h.client("pe", ["10.0.2.1"], { announce: false, registrars: STATIC });
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(pe.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.2.1"], port: 7000 + i, identifier: 100 + i })));
  }
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC, ...config });
  h.advance(100);
  return { h, pr, pe, pu, ids };
}

function resolve(h: Harness, pu: ClientNode, options: object | null) {
  const rq = pu.run((cl, now) => cl.resolve(now, "P", options));
  h.advance(10);
  const r = pu.events.filter((e) => e.kind === EVENT_RESOLVED && e.request === rq);
  return r[0];
}

t.test("cache hit, round robin from the cache, stale refresh", async (t) => {
  const { h, pr, pu, ids } = setup();
  const first = resolve(h, pu, { items: 1 });
  t.equal(first.error, 0);
  t.equal(pr.machine.counts.resolutions, 1);
  t.equal(pu.client.state.cache_.count, 3, "the registrar's default count is cached");
  const seen = [first.poolElements[0].identifier];
  for (let i = 0; i < 5; i++) seen.push(resolve(h, pu, { items: 1 }).poolElements[0].identifier);
  t.equal(pr.machine.counts.resolutions, 1, "cache hits do not ask the registrar");
  t.same([...new Set(seen)].sort(), ids, "round robin at the PU over the cached PEs");
  t.same(seen.slice(0, 3), seen.slice(3, 6), "in a fixed rotation");
  const all = resolve(h, pu, { items: 5 });
  t.equal(all.poolElements.length, 3, "no more than the pool has");
  const pe = all.poolElements[0];
  t.equal(pe.userTransport.port >= 7000, true, "transport");
  t.equal(pe.policy.type, 1, "policy");
  h.advance(30000);
  t.equal(pu.client.state.cache_.count, 0, "expired after the stale cache value");
  resolve(h, pu, null);
  t.equal(pr.machine.counts.resolutions, 2, "refreshed from the registrar");
});

t.test("staleAfterMs 0: no cache, exactly `items` asked", async (t) => {
  const { h, pr, pu } = setup();
  const r = resolve(h, pu, { items: 2, staleAfterMs: 0 });
  t.equal(r.poolElements.length, 2);
  t.equal(pu.client.state.cache_.count, 0);
  resolve(h, pu, { items: 2, staleAfterMs: 0 });
  t.equal(pr.machine.counts.resolutions, 2);
  t.match(pr.machine.log.filter((l) => l.startsWith("5 ")), ["5 P ", "5 P "]);
});

t.test("config staleCacheMs 0 disables the cache by default", async (t) => {
  const { h, pr, pu } = setup({ staleCacheMs: 0 });
  resolve(h, pu, null);
  resolve(h, pu, null);
  t.equal(pr.machine.counts.resolutions, 2);
});

t.test("selection from the cache uses the pool's policy (least used)", async (t) => {
  const h = new Harness();
  const pr = h.fakeRegistrar("pr", "10.0.0.1", { identifier: 1, asapPort: 3863, maxItems: 10 });
  const pe = h.client("pe", ["10.0.2.1"], { announce: false, registrars: STATIC });
  const loads = [0x30000000, 0x10000000, 0x20000000];
  loads.forEach((load, i) => {
    const policy = newPolicy(POLICY_LEAST_USED);
    policy.load = load;
    pe.run((cl, now) => cl.registerPoolElement(now, "P", { addresses: ["10.0.2.1"], port: 7000 + i, identifier: 10 + i, policy }));
  });
  const pu = h.client("pu", ["10.0.3.1"], { announce: false, registrars: STATIC });
  h.advance(100);
  const r = resolve(h, pu, { items: 3 });
  t.same(r.poolElements.map((p) => p.identifier), [11, 12, 10], "lowest load first, as the registrar's handlespace");
  t.equal(pr.machine.counts.resolutions, 1);
});

t.test("failure report: gone from the cache at once, from the registrar after its threshold", async (t) => {
  const { h, pr, pu, ids } = setup();
  resolve(h, pu, { items: 1 });
  const victim = ids[1];
  t.ok(pu.run((cl, now) => cl.reportFailure(now, "P", victim)));
  h.advance(10);
  t.equal(pu.client.state.cache_.count, 2, "removed from the cache");
  for (let i = 0; i < 6; i++) {
    t.not(resolve(h, pu, { items: 1 }).poolElements[0].identifier, victim, "never selected from the cache again");
  }
  t.ok(pr.machine.find("P", victim), "one report is below the registrar's threshold (3)");
  // Two more PUs report it: the registrar removes it.
  for (const name of ["pu2", "pu3"]) {
    const other = h.client(name, [name === "pu2" ? "10.0.3.2" : "10.0.3.3"], { announce: false, registrars: STATIC });
    other.run((cl, now) => cl.reportFailure(now, "P", victim));
  }
  h.advance(100);
  t.notOk(pr.machine.find("P", victim), "removed at the registrar");
  t.equal(pr.machine.counts.unreachable, 3);
  const fresh = resolve(h, pu, { items: 5, staleAfterMs: 0 });
  t.equal(fresh.poolElements.length, 2);
  t.notOk(fresh.poolElements.some((p) => p.identifier === victim), "nobody gets it any more");
  // (A PE that is in fact alive comes back with its next re-registration.)
  h.advance(30000);
  t.ok(pr.machine.find("P", victim), "re-registered");
});

t.test("errors: pool not found, no registrar, full request table", async (t) => {
  const { h, pu } = setup({ maxRequests: 1 });
  const r = resolve(h, pu, { staleAfterMs: 0 });
  t.equal(r.error, 0);
  const nf = pu.run((cl, now) => cl.resolve(now, "Nope", null));
  h.advance(10);
  const e = pu.events.find((x) => x.request === nf);
  t.equal(e?.error, ERROR_POOL_NOT_FOUND);
  t.equal(e?.cause, 9, "RFC 5354 cause 0x9 passed on");
  t.equal(e?.handle, "Nope");
  h.network.kill("pr");
  const a = pu.run((cl, now) => cl.resolve(now, "P", { staleAfterMs: 0 }));
  const b = pu.run((cl, now) => cl.resolve(now, "P", { staleAfterMs: 0 }));
  h.advance(10000);
  t.equal(pu.events.find((x) => x.request === b)?.error, ERROR_LACK_OF_RESOURCES, "the table holds one request");
  const ea = pu.events.find((x) => x.request === a)?.error;
  t.ok(ea === ERROR_NO_REGISTRAR || ea === 2, "the other times out or finds no registrar");
});
