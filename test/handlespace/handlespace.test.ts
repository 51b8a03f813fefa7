// Registration, consistency, limits, records, associations, owners,
// unreachability, deadlines and paging of the handlespace.
import t from "tap";
import {
  CAUSE_INCONSISTENT_DATA_CONTROL,
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INCONSISTENT_TRANSPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  PARAM_DCCP_TRANSPORT,
  PARAM_SCTP_TRANSPORT,
  PARAM_TCP_TRANSPORT,
  PARAM_UDP_TRANSPORT,
  POLICY_LEAST_USED,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_ROUND_ROBIN,
  POLICY_WEIGHTED_RANDOM,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
  newTransport,
} from "../../core/wire/index.js";
import {
  UNREACHABLE_COUNTED,
  UNREACHABLE_REMOVED,
  UNREACHABLE_UNKNOWN,
  newPoolElementRecord,
  newTableCursor,
  type Handlespace,
} from "../../core/handlespace/index.js";
import { add, address, handle, meta, pe, policy, space } from "./helpers.js";

const H = handle("EchoPool");
const RR = () => policy(POLICY_ROUND_ROBIN, {});

function ids(hs: Handlespace, refs: number[]): number[] {
  return refs.map((r) => hs.getIdentifier(r));
}

t.test("register creates, re-register updates in place, deregister is idempotent", async (t) => {
  const hs = space(1);
  t.equal(hs.register(H, pe(5, RR()), meta()), 0);
  t.equal(hs.lastCreated, true);
  t.equal(hs.lastChanged, true);
  const ref = hs.lastRef;
  t.equal(hs.lookup(H, 5), ref);
  t.equal(hs.count, 1);
  t.equal(hs.poolCount, 1);
  // Same values again: an update that changes nothing.
  t.equal(hs.register(H, pe(5, RR()), meta()), 0);
  t.equal(hs.lastCreated, false);
  t.equal(hs.lastChanged, false);
  t.equal(hs.lastRef, ref);
  // A new address is a change a peer must hear about.
  t.equal(hs.register(H, pe(5, RR(), { addresses: ["10.9.9.9"] }), meta()), 0);
  t.equal(hs.lastChanged, true);
  t.equal(hs.count, 1);
  t.equal(hs.deregister(H, 5), true);
  t.equal(hs.deregister(H, 5), false);
  t.equal(hs.lookup(H, 5), -1);
  t.equal(hs.count, 0);
  t.equal(hs.poolCount, 0, "an empty pool is gone");
  t.equal(hs.lookupPool(H), -1);
  t.equal(hs.resolve(H, 3, new Int32Array(3), 0), 0);
});

t.test("the same identifier in two pools is two PEs", async (t) => {
  const hs = space(2);
  const a = add(hs, handle("A"), pe(1, RR()));
  const b = add(hs, handle("B"), pe(1, RR()));
  t.not(a, b);
  t.equal(hs.count, 2);
  hs.deregister(handle("A"), 1);
  t.equal(hs.lookup(handle("B"), 1), b);
});

t.test("invalid registrations are refused with 0x3", async (t) => {
  const hs = space(3);
  const bad = (h: Uint8Array, element: ReturnType<typeof pe>) => hs.register(h, element, meta());
  t.equal(bad(new Uint8Array(0), pe(1, RR())), CAUSE_INVALID_VALUES, "empty handle");
  t.equal(bad(new Uint8Array(33), pe(1, RR())), CAUSE_INVALID_VALUES, "handle longer than 32");
  t.equal(bad(H, pe(0, RR())), CAUSE_INVALID_VALUES, "identifier 0");
  t.equal(bad(H, pe(1, RR(), { addresses: [] })), CAUSE_INVALID_VALUES, "no address");
  const many = Array.from({ length: 65 }, (_, i) => `10.1.0.${i}`);
  t.equal(bad(H, pe(1, RR(), { addresses: many })), CAUSE_INVALID_VALUES, "65 addresses");
  t.equal(bad(H, pe(1, RR(), { port: 0 })), CAUSE_INVALID_VALUES, "port 0");
  t.equal(bad(H, pe(1, RR(), { use: 7 })), CAUSE_INVALID_VALUES, "transport use 7");
  t.equal(bad(H, pe(1, RR(), { transportType: 0x9 })), CAUSE_INVALID_VALUES, "not a transport");
  const odd = pe(1, RR());
  odd.userTransport.addresses[0] = new Uint8Array(5);
  t.equal(bad(H, odd), CAUSE_INVALID_VALUES, "5-byte address");
  t.equal(bad(H, pe(1, policy(0x12345678, {}))), CAUSE_INVALID_VALUES, "unknown policy");
  const asapBad = pe(1, RR());
  asapBad.asapTransport = newTransport(PARAM_SCTP_TRANSPORT, 3863, 0, []);
  t.equal(bad(H, asapBad), CAUSE_INVALID_VALUES, "ASAP transport without address");
  t.equal(hs.count, 0);
  t.equal(hs.poolCount, 0, "no pool left behind by a refusal");
  // 64 addresses and a 32-byte handle are fine; the limit is configurable up to 255.
  t.equal(hs.register(new Uint8Array(32), pe(1, RR(), { addresses: many.slice(0, 64) }), meta()), 0);
  const long = space(3, { maxPoolHandleLength: 255 });
  t.equal(long.register(new Uint8Array(255).fill(7), pe(1, RR()), meta()), 0);
  t.equal(long.register(new Uint8Array(256), pe(1, RR()), meta()), CAUSE_INVALID_VALUES);
});

t.test("pool consistency: policy 0x5, transport 0x7, data/control 0x8 (RFC 5352 s3.1.1)", async (t) => {
  const hs = space(4);
  add(hs, H, pe(1, RR()));
  t.equal(hs.register(H, pe(2, policy(POLICY_LEAST_USED, { load: 1 })), meta()), CAUSE_INCONSISTENT_POLICY);
  t.equal(hs.register(H, pe(2, RR(), { transportType: PARAM_TCP_TRANSPORT }), meta()), CAUSE_INCONSISTENT_TRANSPORT);
  t.equal(hs.register(H, pe(2, RR(), { use: TRANSPORT_USE_DATA_PLUS_CONTROL }), meta()),
    CAUSE_INCONSISTENT_DATA_CONTROL);
  // Also for a re-registration of the existing PE: the PE keeps its old values.
  t.equal(hs.register(H, pe(1, policy(POLICY_LEAST_USED, { load: 1 })), meta()), CAUSE_INCONSISTENT_POLICY);
  t.equal(hs.poolPolicyType(hs.lookupPool(H)), POLICY_ROUND_ROBIN);
  t.equal(hs.count, 1);
  // Once the pool is gone, the next first PE fixes new settings.
  hs.deregister(H, 1);
  t.equal(hs.register(H, pe(3, policy(POLICY_LEAST_USED, { load: 1 }), { transportType: PARAM_UDP_TRANSPORT }),
    meta()), 0);
  t.equal(hs.poolProtocol(hs.lookupPool(H)), PARAM_UDP_TRANSPORT);
  t.equal(hs.poolControl(hs.lookupPool(H)), false);
});

t.test("limits give 0x6: pools, PEs, PEs per pool, PEs per association", async (t) => {
  const pools = space(5, { maxPools: 2 });
  add(pools, handle("a"), pe(1, RR()));
  add(pools, handle("b"), pe(1, RR()));
  t.equal(pools.register(handle("c"), pe(1, RR()), meta()), CAUSE_LACK_OF_RESOURCES);
  add(pools, handle("a"), pe(2, RR()));

  const total = space(5, { maxPoolElements: 3 });
  add(total, handle("a"), pe(1, RR()));
  add(total, handle("b"), pe(2, RR()));
  add(total, handle("a"), pe(3, RR()));
  t.equal(total.register(handle("c"), pe(4, RR()), meta()), CAUSE_LACK_OF_RESOURCES);
  t.equal(total.register(handle("a"), pe(3, RR(), { port: 1 }), meta()), 0, "updates still pass");
  total.deregister(handle("b"), 2);
  t.equal(total.register(handle("c"), pe(4, RR()), meta()), 0);

  const perPool = space(5, { maxPoolElementsPerPool: 2 });
  add(perPool, H, pe(1, RR()));
  add(perPool, H, pe(2, RR()));
  t.equal(perPool.register(H, pe(3, RR()), meta()), CAUSE_LACK_OF_RESOURCES);
  t.equal(perPool.register(handle("other"), pe(3, RR()), meta()), 0);

  const perAssociation = space(5, { maxPoolElementsPerAssociation: 2 });
  add(perAssociation, H, pe(1, RR()), meta({ association: 9 }));
  add(perAssociation, H, pe(2, RR()), meta({ association: 9 }));
  t.equal(perAssociation.register(H, pe(3, RR()), meta({ association: 9 })), CAUSE_LACK_OF_RESOURCES);
  t.equal(perAssociation.register(H, pe(3, RR()), meta({ association: 11 })), 0);
  t.equal(perAssociation.register(H, pe(3, RR()), meta({ association: 9 })), CAUSE_LACK_OF_RESOURCES,
    "moving to a full association");
  t.equal(perAssociation.register(H, pe(4, RR()), meta({ association: 0 })), 0, "no association: no limit");
});

t.test("a record read back equals what was registered", async (t) => {
  const hs = space(6);
  const element = pe(0x89abcdef, policy(POLICY_LEAST_USED_DEGRADATION_DPF,
    { load: 5, loadDegradation: 6, loadDpf: 7 }), {
    addresses: ["192.0.2.1", "2001:db8::1", "198.51.100.7"],
    port: 4711,
    use: TRANSPORT_USE_DATA_PLUS_CONTROL,
    home: 0xfeedbeef,
    life: -1,
  });
  element.asapTransport = newTransport(PARAM_SCTP_TRANSPORT, 3863, 0, [address("2001:db8::2"), address("192.0.2.9")]);
  element.policy.distance = 120;
  const ref = add(hs, H, element, meta({ distance: 120, owner: 3, home: true, association: 17 }));
  const record = newPoolElementRecord();
  hs.readPoolElement(ref, record);
  t.same(record.element, element);
  t.equal(hs.getOwner(ref), 3);
  t.equal(hs.isHome(ref), true);
  t.equal(hs.getAssociation(ref), 17);
  t.equal(hs.getHomeRegistrar(ref), 0xfeedbeef);
  t.equal(hs.getRegistrationLife(ref), -1);
  t.same(hs.getPoolHandle(ref), H);

  // A second PE with fewer addresses and no ASAP transport reuses the record.
  const other = pe(2, policy(POLICY_LEAST_USED_DEGRADATION_DPF, { load: 1 }), { use: TRANSPORT_USE_DATA_PLUS_CONTROL });
  const ref2 = add(hs, H, other);
  const firstView = record.userBuffers_.v4[0];
  hs.readPoolElement(ref2, record);
  t.same(record.element, other);
  t.equal(record.element.asapTransport, null);
  t.equal(record.userBuffers_.v4[0], firstView, "address views are reused");

  // DCCP keeps its service code.
  const dccp = pe(3, RR(), { transportType: PARAM_DCCP_TRANSPORT });
  dccp.userTransport.serviceCode = 0xdeadbeef;
  const ref3 = add(hs, handle("dccp"), dccp);
  hs.readPoolElement(ref3, record);
  t.same(record.element, dccp);
});

t.test("re-registration can replace transports of any size", async (t) => {
  const hs = space(7);
  const record = newPoolElementRecord();
  const sizes = [1, 64, 2, 30, 1, 64];
  let ok = true;
  for (const n of sizes) {
    const list = Array.from({ length: n }, (_, i) => (i % 2 ? `2001:db8::${i + 1}` : `10.2.0.${i}`));
    const element = pe(1, RR(), { addresses: list });
    element.asapTransport = n % 2 ? null : newTransport(PARAM_SCTP_TRANSPORT, 1000 + n, 0, list.slice(0, 3).map(address));
    const ref = add(hs, H, element);
    hs.readPoolElement(ref, record);
    if (JSON.stringify(record.element) !== JSON.stringify(element)) ok = false;
  }
  t.ok(ok);
  t.equal(hs.count, 1);
});

t.test("associations: remove all PEs of one, move a PE to another", async (t) => {
  const hs = space(8);
  add(hs, handle("a"), pe(1, RR()), meta({ association: 3 }));
  add(hs, handle("b"), pe(2, RR()), meta({ association: 3 }));
  add(hs, handle("a"), pe(3, RR()), meta({ association: 5 }));
  add(hs, handle("a"), pe(4, RR()), meta({ association: 3 }));
  t.equal(hs.associationSize(3), 3);
  // PE 4 re-registers through association 5.
  add(hs, handle("a"), pe(4, RR()), meta({ association: 5 }));
  t.equal(hs.associationSize(3), 2);
  t.equal(hs.associationSize(5), 2);
  const seen: number[] = [];
  t.equal(hs.removeAssociation(3, (list: number[], ref: number) => list.push(hs.getIdentifier(ref)), seen), 2);
  t.same(seen.sort(), [1, 2]);
  t.equal(hs.count, 2);
  t.equal(hs.associationSize(3), 0);
  t.equal(hs.lookupPool(handle("b")), -1);
  t.equal(hs.removeAssociation(3, null, null), 0);
  t.equal(hs.removeAssociation(5, null, null), 2);
  t.equal(hs.count, 0);
});

t.test("owners: list, count, change owner, remove a peer's PEs", async (t) => {
  const hs = space(9);
  for (let id = 1; id <= 6; id++) add(hs, H, pe(id, RR()), meta({ owner: id <= 4 ? 100 : 200, home: id <= 4 }));
  t.equal(hs.ownedCount(100), 4);
  t.equal(hs.ownedCount(200), 2);
  const owned: number[] = [];
  hs.forEachOwned(200, (list: number[], ref: number) => list.push(hs.getIdentifier(ref)), owned);
  t.same(owned.sort(), [5, 6]);
  // Takeover: 200's PEs become ours.
  hs.forEachOwned(200, (space: Handlespace, ref: number) => space.setOwner(ref, 100, true), hs);
  t.equal(hs.ownedCount(100), 6);
  t.equal(hs.ownedCount(200), 0);
  t.equal(hs.isHome(hs.lookup(H, 6)), true);
  hs.setOwner(hs.lookup(H, 1), 300, false);
  t.equal(hs.isHome(hs.lookup(H, 1)), false);
  t.equal(hs.removeOwned(100, null, null), 5);
  t.same(ids(hs, [hs.lookup(H, 1)]), [1]);
  t.equal(hs.count, 1);
});

t.test("endpoint unreachable: counted, removed at the threshold, reset by re-registration", async (t) => {
  const hs = space(10, { maxBadPeReports: 3 });
  add(hs, H, pe(1, RR()));
  add(hs, H, pe(2, RR()));
  t.equal(hs.reportUnreachable(H, 9, null, null), UNREACHABLE_UNKNOWN);
  t.equal(hs.reportUnreachable(H, 1, null, null), UNREACHABLE_COUNTED);
  t.equal(hs.reportUnreachable(H, 1, null, null), UNREACHABLE_COUNTED);
  t.equal(hs.getUnreachableReports(hs.lookup(H, 1)), 2);
  add(hs, H, pe(1, RR()));
  t.equal(hs.getUnreachableReports(hs.lookup(H, 1)), 0, "a re-registration proves it alive");
  const removed: number[] = [];
  for (let i = 0; i < 2; i++) hs.reportUnreachable(H, 1, null, null);
  t.equal(hs.reportUnreachable(H, 1, (list: number[], ref: number) => list.push(hs.getIdentifier(ref)), removed),
    UNREACHABLE_REMOVED);
  t.same(removed, [1]);
  t.equal(hs.lookup(H, 1), -1);
  t.equal(hs.count, 1);
});

for (const epoch of [0, 2 ** 32 - 1000, 2 ** 52]) {
  t.test(`deadlines: earliest first, expire removes due PEs (epoch ${epoch})`, async (t) => {
    const hs = space(11);
    t.equal(hs.nextDeadline(), -1);
    add(hs, H, pe(1, RR()), meta({ deadline: epoch + 3000, timerCode: 1 }));
    add(hs, H, pe(2, RR()), meta({ deadline: epoch + 1000, timerCode: 2 }));
    add(hs, H, pe(3, RR()), meta({ deadline: -1 }));
    add(hs, H, pe(4, RR()), meta({ deadline: epoch + 2000, timerCode: 1 }));
    t.equal(hs.nextDeadline(), epoch + 1000);
    t.equal(hs.nextDue(epoch + 999), -1);
    const due = hs.nextDue(epoch + 1000);
    t.equal(hs.getIdentifier(due), 2);
    t.equal(hs.getTimerCode(due), 2);
    // The caller re-arms it (e.g. a keep-alive timeout).
    hs.setTimer(due, epoch + 5000, 3);
    t.equal(hs.nextDeadline(), epoch + 2000);
    // A re-registration moves the deadline.
    add(hs, H, pe(4, RR()), meta({ deadline: epoch + 4000 }));
    t.equal(hs.nextDeadline(), epoch + 3000);
    const expired: number[] = [];
    t.equal(hs.expire(epoch + 4000, (list: number[], ref: number) => list.push(hs.getIdentifier(ref)), expired), 2);
    t.same(expired, [1, 4]);
    t.equal(hs.nextDeadline(), epoch + 5000);
    t.equal(hs.getDeadline(hs.lookup(H, 3)), -1);
    hs.setTimer(hs.lookup(H, 2), -1, 0);
    t.equal(hs.nextDeadline(), -1);
    t.equal(hs.expire(epoch + 10 ** 9, null, null), 0);
    t.equal(hs.count, 2);
  });
}

t.test("deadlines: a heap of many random deadlines expires in order", async (t) => {
  const hs = space(12);
  let rnd = 7;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  const deadline = new Map<number, number>();
  for (let id = 1; id <= 2000; id++) {
    const d = next() % 100000;
    deadline.set(id, d);
    add(hs, handle(`p${id % 37}`), pe(id, RR()), meta({ deadline: d }));
  }
  // Move half of them.
  for (let id = 1; id <= 2000; id += 2) {
    const d = next() % 100000;
    deadline.set(id, d);
    add(hs, handle(`p${id % 37}`), pe(id, RR()), meta({ deadline: d }));
  }
  const order: number[] = [];
  hs.expire(1e9, (list: number[], ref: number) => list.push(hs.getDeadline(ref)), order);
  t.equal(order.length, 2000);
  t.same(order, [...deadline.values()].sort((a, b) => a - b));
});

t.test("paging walks handle then identifier order and survives changes between pages", async (t) => {
  const hs = space(13);
  const handles = ["b", "a", "ab", "c", "aa"];
  for (const h of handles) for (const id of [30, 10, 20]) add(hs, handle(h), pe(id, RR()), meta({ owner: id === 20 ? 2 : 1 }));
  const cursor = newTableCursor();
  const all: string[] = [];
  const visit = (list: string[], ref: number) => {
    list.push(`${String.fromCharCode(...hs.getPoolHandle(ref))}/${hs.getIdentifier(ref)}`);
    return true;
  };
  t.equal(hs.nextPage(cursor, -1, 4, visit, all), 4);
  t.same(all, ["a/10", "a/20", "a/30", "aa/10"]);
  t.equal(cursor.done, false);
  // Changes between pages: a PE before the cursor, one after it, a removal, a new pool.
  add(hs, handle("a"), pe(5, RR()));
  add(hs, handle("aa"), pe(15, RR()));
  add(hs, handle("aa"), pe(11, RR()));
  hs.deregister(handle("aa"), 30);
  add(hs, handle("bb"), pe(1, RR()));
  while (!cursor.done) hs.nextPage(cursor, -1, 4, visit, all);
  t.same(all, ["a/10", "a/20", "a/30", "aa/10", "aa/11", "aa/15", "aa/20", "ab/10", "ab/20", "ab/30",
    "b/10", "b/20", "b/30", "bb/1", "c/10", "c/20", "c/30"]);
  // Owner filter (ENRP W flag) and a visitor that refuses: the refused PE comes first next time.
  const mine: string[] = [];
  const c2 = newTableCursor();
  let budget = 2;
  const limited = (list: string[], ref: number) => (budget-- > 0 ? visit(list, ref) : false);
  t.equal(hs.nextPage(c2, 2, 0, limited, mine), 2);
  budget = 100;
  hs.nextPage(c2, 2, 0, limited, mine);
  t.same(mine, ["a/20", "aa/20", "ab/20", "b/20", "c/20"]);
  t.equal(c2.done, true);
  t.equal(hs.nextPage(c2, 2, 0, limited, mine), 0);
});

t.test("paging a large table in small pages visits every PE once", async (t) => {
  const hs = space(14);
  let rnd = 3;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  const expected = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const h = `pool-${next() % 200}`;
    const id = 1 + next() % 100000;
    add(hs, handle(h), pe(id, policy(POLICY_WEIGHTED_RANDOM, { weight: 1 })));
    expected.add(`${h}/${id}`);
  }
  const cursor = newTableCursor();
  const seen: string[] = [];
  let pages = 0;
  while (!cursor.done && pages < 10000) {
    hs.nextPage(cursor, -1, 7, (list: string[], ref: number) => {
      list.push(`${String.fromCharCode(...hs.getPoolHandle(ref))}/${hs.getIdentifier(ref)}`);
      return true;
    }, seen);
    pages++;
  }
  t.equal(seen.length, expected.size);
  t.same(new Set(seen), expected);
  const sorted = [...seen].sort((x, y) => {
    const [hx, ix] = x.split("/");
    const [hy, iy] = y.split("/");
    return hx < hy ? -1 : hx > hy ? 1 : Number(ix) - Number(iy);
  });
  t.same(seen, sorted);
});

t.test("many pools and PEs: lookups stay right through growth and shrinking", async (t) => {
  const hs = space(15, { initialCapacity: 8 });
  const N = 20000;
  for (let i = 0; i < N; i++) add(hs, handle(`p${i % 997}`), pe(i + 1, RR()));
  let bad = 0;
  for (let i = 0; i < N; i++) if (hs.getIdentifier(hs.lookup(handle(`p${i % 997}`), i + 1)) !== i + 1) bad++;
  t.equal(bad, 0);
  for (let i = 0; i < N; i += 2) hs.deregister(handle(`p${i % 997}`), i + 1);
  for (let i = 0; i < N; i++) {
    const ref = hs.lookup(handle(`p${i % 997}`), i + 1);
    if ((i % 2 === 0) !== (ref < 0)) bad++;
  }
  t.equal(bad, 0);
  t.equal(hs.count, N / 2);
  for (let i = 1; i < N; i += 2) hs.deregister(handle(`p${i % 997}`), i + 1);
  t.equal(hs.count, 0);
  t.equal(hs.poolCount, 0);
});
