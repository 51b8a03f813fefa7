// Exact selection sequences of the sorting-order policies (rsplib semantics,
// see each file in core/handlespace/policies/).
import t from "tap";
import {
  POLICY_LEAST_USED,
  POLICY_LEAST_USED_DEGRADATION,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_LEAST_USED_DPF,
  POLICY_PRIORITY,
  POLICY_PRIORITY_LEAST_USED,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
  POLICY_PRIORITY_LEAST_USED_DPF,
  POLICY_ROUND_ROBIN,
  POLICY_WEIGHTED_ROUND_ROBIN,
} from "../../core/wire/index.js";
import { POLICY_VALUE_MAX } from "../../core/handlespace/index.js";
import { rint } from "../../core/handlespace/policy.js";
import { add, handle, meta, pe, picks, policy, sequence, space } from "./helpers.js";

const H = handle("pool");
const MAX = POLICY_VALUE_MAX;

t.test("round robin: registration order, then rotation; new PEs join at the end", async (t) => {
  const hs = space(1);
  for (const id of [11, 12, 13]) add(hs, H, pe(id, policy(POLICY_ROUND_ROBIN, {})));
  t.same(sequence(hs, H, 4), [11, 12, 13, 11]);
  add(hs, H, pe(14, policy(POLICY_ROUND_ROBIN, {})));
  t.same(sequence(hs, H, 5), [12, 13, 11, 14, 12]);
  // A re-registration keeps the PE's place.
  add(hs, H, pe(13, policy(POLICY_ROUND_ROBIN, {})));
  t.equal(hs.lastCreated, false);
  t.same(sequence(hs, H, 3), [13, 11, 14]);
  t.ok(hs.deregister(H, 12));
  t.same(sequence(hs, H, 4), [13, 11, 14, 13]);
});

t.test("round robin: k PEs, maxIncrement consumes only the first ones", async (t) => {
  const hs = space(1);
  for (const id of [1, 2, 3, 4]) add(hs, H, pe(id, policy(POLICY_ROUND_ROBIN, {})));
  // Default maxIncrement 1: the list rotates by one per resolution.
  t.same(picks(hs, H, 3, 3), [[1, 2, 3], [2, 3, 4], [3, 4, 1]]);
  // maxIncrement 2: two consumed per resolution.
  t.same(picks(hs, H, 3, 2, 2), [[4, 1, 2], [2, 3, 4]]);
  // maxIncrement larger than k: all k consumed, in order.
  t.same(picks(hs, H, 2, 2, 9), [[4, 1], [2, 3]]);
  // k larger than the pool: every PE once.
  t.same(picks(hs, H, 10, 1), [[4, 1, 2, 3]]);
});

t.test("round robin: a long run keeps exact rotation through window moves and growth", async (t) => {
  const hs = space(2);
  const ids: number[] = [];
  for (let i = 1; i <= 40; i++) {
    ids.push(i);
    add(hs, H, pe(i, policy(POLICY_ROUND_ROBIN, {})));
  }
  const expected: number[] = [];
  for (let r = 0; r < 1000; r++) expected.push(ids[r % ids.length]);
  t.same(sequence(hs, H, 1000), expected);
});

t.test("round robin: sequence numbers are renumbered before they run out", async (t) => {
  const hs = space(3, { sequenceLimit: 16 });
  for (const id of [1, 2, 3]) add(hs, H, pe(id, policy(POLICY_ROUND_ROBIN, {})));
  const expected: number[] = [];
  for (let r = 0; r < 100; r++) expected.push([1, 2, 3][r % 3]);
  t.same(sequence(hs, H, 100), expected);
});

t.test("weighted round robin: weight turns per round, new PEs join the current round", async (t) => {
  const hs = space(4);
  add(hs, H, pe(1, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 2 })));
  add(hs, H, pe(2, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 1 })));
  add(hs, H, pe(3, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 3 })));
  // Order within a round: fewest remaining turns first (rsplib's comparison).
  t.same(sequence(hs, H, 12), [2, 1, 1, 3, 3, 3, 2, 1, 1, 3, 3, 3]);
  // Weight change: PE 3 drops to 1 (its counter is clamped to the new weight).
  add(hs, H, pe(3, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 1 })));
  t.equal(hs.lastChanged, true);
  t.same(sequence(hs, H, 8), [2, 3, 1, 1, 2, 3, 1, 1]);
});

t.test("weighted round robin: proportions over many rounds and weight 0", async (t) => {
  const hs = space(5);
  const weights = [0, 1, 4, 7];
  weights.forEach((w, i) => add(hs, H, pe(i + 1, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: w }))));
  const counts = [0, 0, 0, 0];
  // 13 turns per round (weight 0 counts once, like weight 1).
  for (const id of sequence(hs, H, 13 * 100)) counts[id - 1]++;
  t.same(counts, [100, 100, 400, 700]);
});

t.test("weighted round robin: rounds are rebased long before they lose precision", async (t) => {
  const hs = space(6);
  add(hs, H, pe(1, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 1 })));
  add(hs, H, pe(2, policy(POLICY_WEIGHTED_ROUND_ROBIN, { weight: 1 })));
  const out = new Int32Array(1);
  let ok = true;
  // 2^21 rounds would break a naive round * 2^32 key; the rebase keeps the rotation.
  for (let i = 0; i < 2200000 && ok; i++) {
    hs.resolve(H, 1, out, 0);
    if (hs.getIdentifier(out[0]) !== (i % 2) + 1) ok = false;
  }
  t.ok(ok, "strict alternation");
  t.ok(hs.getPolicyState(hs.find(H, 1)) < 1048577, "round counter rebased");
});

t.test("priority: highest first, round robin among equals, re-registration re-sorts", async (t) => {
  const hs = space(7);
  add(hs, H, pe(1, policy(POLICY_PRIORITY, { priority: 5 })));
  add(hs, H, pe(2, policy(POLICY_PRIORITY, { priority: 10 })));
  add(hs, H, pe(3, policy(POLICY_PRIORITY, { priority: 10 })));
  add(hs, H, pe(4, policy(POLICY_PRIORITY, { priority: 1 })));
  t.same(sequence(hs, H, 4), [2, 3, 2, 3]);
  t.same(picks(hs, H, 4, 2), [[2, 3, 1, 4], [3, 2, 1, 4]]);
  add(hs, H, pe(4, policy(POLICY_PRIORITY, { priority: MAX })));
  t.same(sequence(hs, H, 2), [4, 4]);
  add(hs, H, pe(4, policy(POLICY_PRIORITY, { priority: 0 })));
  t.same(picks(hs, H, 4, 1), [[2, 3, 1, 4]]);
});

t.test("least used: lowest load first, round robin among equal loads", async (t) => {
  const hs = space(8);
  add(hs, H, pe(1, policy(POLICY_LEAST_USED, { load: 100 })));
  add(hs, H, pe(2, policy(POLICY_LEAST_USED, { load: 50 })));
  add(hs, H, pe(3, policy(POLICY_LEAST_USED, { load: 50 })));
  t.same(sequence(hs, H, 4), [2, 3, 2, 3]);
  // A load update moves the PE.
  add(hs, H, pe(2, policy(POLICY_LEAST_USED, { load: 200 })));
  t.same(sequence(hs, H, 3), [3, 3, 3]);
  t.same(picks(hs, H, 3, 1), [[3, 1, 2]]);
  add(hs, H, pe(1, policy(POLICY_LEAST_USED, { load: 50 })));
  // 1 and 3 tie at 50: 3 was consumed more recently, so 1 goes first.
  t.same(sequence(hs, H, 4), [1, 3, 1, 3]);
});

t.test("least used with degradation: accumulation per consumed selection, reset on re-registration", async (t) => {
  const hs = space(9);
  add(hs, H, pe(1, policy(POLICY_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: 100 })));
  add(hs, H, pe(2, policy(POLICY_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: 50 })));
  // 1 (deg 100), 2 (50), 2 (100, newer than 1), 1 (200), 2 (150), 2 (200), ...
  t.same(sequence(hs, H, 9), [1, 2, 2, 1, 2, 2, 1, 2, 2]);
  t.equal(hs.getPolicyState(hs.find(H, 1)), 300);
  t.equal(hs.getPolicyState(hs.find(H, 2)), 300);
  // A re-registration with the same values still resets the degradation (rsplib).
  add(hs, H, pe(1, policy(POLICY_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: 100 })));
  t.equal(hs.getPolicyState(hs.find(H, 1)), 0);
  t.equal(hs.lastChanged, false, "nothing a peer sees changed");
  t.same(sequence(hs, H, 4), [1, 1, 1, 2]);
  // Only consumed PEs degrade: k = 2 with maxIncrement 1 degrades the first only.
  const before2 = hs.getPolicyState(hs.find(H, 2));
  t.same(picks(hs, H, 2, 1), [[1, 2]]);
  t.equal(hs.getPolicyState(hs.find(H, 2)), before2);
  t.equal(hs.getPolicyState(hs.find(H, 1)), 400);
});

t.test("least used with degradation: load plus degradation is clamped to MAX", async (t) => {
  const hs = space(10);
  add(hs, H, pe(1, policy(POLICY_LEAST_USED_DEGRADATION, { load: MAX - 10, loadDegradation: MAX })));
  add(hs, H, pe(2, policy(POLICY_LEAST_USED_DEGRADATION, { load: MAX - 5, loadDegradation: MAX })));
  // Both saturate at MAX after one selection each: then plain round robin.
  t.same(sequence(hs, H, 6), [1, 2, 1, 2, 1, 2]);
  t.equal(hs.getPolicyState(hs.find(H, 1)), MAX);
});

t.test("priority least used: load + load degradation, constant (not accumulated)", async (t) => {
  const hs = space(11);
  add(hs, H, pe(1, policy(POLICY_PRIORITY_LEAST_USED, { load: 10, loadDegradation: 100 })));
  add(hs, H, pe(2, policy(POLICY_PRIORITY_LEAST_USED, { load: 50, loadDegradation: 50 })));
  add(hs, H, pe(3, policy(POLICY_PRIORITY_LEAST_USED, { load: 100, loadDegradation: 0 })));
  t.same(sequence(hs, H, 4), [2, 3, 2, 3]);
  t.equal(hs.getPolicyState(hs.find(H, 2)), 0);
  add(hs, H, pe(1, policy(POLICY_PRIORITY_LEAST_USED, { load: 10, loadDegradation: 0 })));
  t.same(sequence(hs, H, 2), [1, 1]);
});

t.test("priority least used with degradation: load + load degradation + accumulated", async (t) => {
  const hs = space(12);
  add(hs, H, pe(1, policy(POLICY_PRIORITY_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: 10 })));
  add(hs, H, pe(2, policy(POLICY_PRIORITY_LEAST_USED_DEGRADATION, { load: 25, loadDegradation: 5 })));
  // keys: 1 = 10 + 10n, 2 = 30 + 5m; ties go to the older sequence number:
  // 1(10) 1(20) 2(30 vs 30, 2 older) 1(30) 2(35) 1(40 vs 40, 1 older) 2(40) 2(45)
  t.same(sequence(hs, H, 8), [1, 1, 2, 1, 2, 1, 2, 2]);
  add(hs, H, pe(2, policy(POLICY_PRIORITY_LEAST_USED_DEGRADATION, { load: 25, loadDegradation: 5 })));
  t.equal(hs.getPolicyState(hs.find(H, 2)), 0);
});

t.test("least used DPF: the distance penalty orders PEs", async (t) => {
  const hs = space(13);
  const dpf = Math.floor(MAX / 1000); // 0.1 % of full load per ms
  add(hs, H, pe(1, policy(POLICY_LEAST_USED_DPF, { load: 0, loadDpf: dpf })), meta({ distance: 100 })); // ~10 %
  add(hs, H, pe(2, policy(POLICY_LEAST_USED_DPF, { load: Math.floor(MAX * 0.05), loadDpf: dpf })), meta({ distance: 0 }));
  add(hs, H, pe(3, policy(POLICY_LEAST_USED_DPF, { load: 0, loadDpf: dpf })), meta({ distance: 10 })); // ~1 %
  t.same(picks(hs, H, 3, 1), [[3, 2, 1]]);
  // The registrar re-measures the distance: 3 moves to 300 ms (~30 %).
  add(hs, H, pe(3, policy(POLICY_LEAST_USED_DPF, { load: 0, loadDpf: dpf })), meta({ distance: 300 }));
  t.equal(hs.lastChanged, true);
  t.same(picks(hs, H, 3, 1), [[2, 1, 3]]);
  t.equal(hs.getDistance(hs.find(H, 3)), 300);
});

t.test("least used degradation DPF: degradation and penalty add up", async (t) => {
  const hs = space(14);
  const dpf = Math.floor(MAX / 1000);
  const step = Math.floor(MAX * 0.02);
  add(hs, H, pe(1, policy(POLICY_LEAST_USED_DEGRADATION_DPF, { load: 0, loadDegradation: step, loadDpf: dpf })),
    meta({ distance: 50 })); // 5 %
  add(hs, H, pe(2, policy(POLICY_LEAST_USED_DEGRADATION_DPF, { load: 0, loadDegradation: step, loadDpf: dpf })),
    meta({ distance: 0 }));
  // 2 takes 0, 2, 4 % before 1 (5 %) wins; then 1 (7 %), 2 (6 %), ...
  t.same(sequence(hs, H, 6), [2, 2, 2, 1, 2, 1]);
  add(hs, H, pe(2, policy(POLICY_LEAST_USED_DEGRADATION_DPF, { load: 0, loadDegradation: step, loadDpf: dpf })),
    meta({ distance: 0 }));
  t.equal(hs.getPolicyState(hs.find(H, 2)), 0);
  t.same(sequence(hs, H, 1), [2]);
});

t.test("priority least used DPF: load + load degradation + penalty", async (t) => {
  const hs = space(15);
  const dpf = Math.floor(MAX / 1000);
  const pct = (x: number) => Math.floor(MAX * x);
  add(hs, H, pe(1, policy(POLICY_PRIORITY_LEAST_USED_DPF, { load: pct(0.01), loadDegradation: pct(0.01), loadDpf: dpf })),
    meta({ distance: 10 })); // 1 + 1 + 1 = 3 %
  add(hs, H, pe(2, policy(POLICY_PRIORITY_LEAST_USED_DPF, { load: pct(0.025), loadDegradation: 0, loadDpf: dpf })),
    meta({ distance: 0 })); // 2.5 %
  add(hs, H, pe(3, policy(POLICY_PRIORITY_LEAST_USED_DPF, { load: 0, loadDegradation: pct(0.01), loadDpf: dpf })),
    meta({ distance: 40 })); // 5 %
  t.same(picks(hs, H, 3, 2), [[2, 1, 3], [2, 1, 3]]);
});

t.test("priority least used degradation DPF: accumulates on consumption", async (t) => {
  const hs = space(16);
  const dpf = Math.floor(MAX / 1000);
  const pct = (x: number) => Math.floor(MAX * x);
  add(hs, H, pe(1, policy(POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
    { load: 0, loadDegradation: pct(0.03), loadDpf: dpf })), meta({ distance: 0 })); // 3 % + 3 % per use
  add(hs, H, pe(2, policy(POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
    { load: 0, loadDegradation: pct(0.01), loadDpf: dpf })), meta({ distance: 45 })); // 1 % + 4.5 % + 1 % per use
  // keys (%): 1 = 3, 6, 9 ...; 2 = 5.5, 6.5, 7.5, 8.5, 9.5 ...
  t.same(sequence(hs, H, 6), [1, 2, 1, 2, 2, 2]);
  t.equal(hs.getPolicyState(hs.find(H, 1)), 2 * pct(0.03));
});

t.test("rint rounds half to even like C", async (t) => {
  t.same([0.5, 1.5, 2.5, -0.5, 2.4, 2.6, 7].map(rint), [0, 2, 2, -0, 2, 3, 7]);
});

t.test("a sorting pool survives heavy mixed churn in exact order", async (t) => {
  // Reference model: sort by (load, seq) with rsplib's rules, compared after every step.
  const hs = space(17);
  type M = { id: number; load: number; seq: number };
  const model: M[] = [];
  let seq = 0;
  let rnd = 12345;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  let mismatches = 0;
  for (let step = 0; step < 4000; step++) {
    const r = next() % 10;
    if (r < 4 || model.length < 3) {
      const id = 1 + (next() % 200);
      const load = next() % 5;
      const existing = model.find((m) => m.id === id);
      add(hs, H, pe(id, policy(POLICY_LEAST_USED, { load })));
      if (existing) existing.load = load;
      else model.push({ id, load, seq: seq++ });
    } else if (r < 6) {
      const m = model[next() % model.length];
      hs.deregister(H, m.id);
      model.splice(model.indexOf(m), 1);
    } else {
      model.sort((a, b) => a.load - b.load || a.seq - b.seq);
      const got = picks(hs, H, 3, 1, 1)[0];
      const want = model.slice(0, 3).map((m) => m.id);
      if (got.join() !== want.join()) mismatches++;
      model[0].seq = seq++;
    }
  }
  t.equal(mismatches, 0);
});
