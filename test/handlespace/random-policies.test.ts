// Distributions of the randomized policies: seeded, with a chi-square bound
// at the 99.9 % quantile against probabilities computed here from the
// policy rules (not from the implementation).
import t from "tap";
import {
  POLICY_RANDOM,
  POLICY_RANDOMIZED_LEAST_USED,
  POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_WEIGHTED_RANDOM,
  POLICY_WEIGHTED_RANDOM_DPF,
  type Policy,
} from "../../core/wire/index.js";
import { POLICY_VALUE_MAX, type Handlespace, type PolicyModule } from "../../core/handlespace/index.js";
import {
  randomizedLeastUsed,
  randomizedLeastUsedDegradation,
  randomizedPriorityLeastUsed,
  randomizedPriorityLeastUsedDegradation,
} from "../../core/handlespace/policies/index.js";
import { F_KEY, F_PA, F_PB, F_STATE, RECORD_WORDS } from "../../core/handlespace/layout.js";
import { add, chiSquare, chiSquareBound, handle, meta, pe, picks, policy, space } from "./helpers.js";

const H = handle("random-pool");
const MAX = POLICY_VALUE_MAX;
const DRAWS = 40000;

/** Counts of single draws per identifier 1..n. */
function draws(hs: Handlespace, n: number, count: number, maxIncrement = 0): number[] {
  const counts = new Array<number>(n).fill(0);
  const out = new Int32Array(1);
  for (let i = 0; i < count; i++) {
    if (hs.resolve(H, 1, out, maxIncrement) !== 1) throw new Error("no PE selected");
    counts[hs.getIdentifier(out[0]) - 1]++;
  }
  return counts;
}

function normalise(weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

function withPolicies(seed: number, policies: Policy[], distances?: number[]): Handlespace {
  const hs = space(seed);
  policies.forEach((p, i) => add(hs, H, pe(i + 1, p), meta({ distance: distances ? distances[i] : 0 })));
  return hs;
}

t.test("random: uniform", async (t) => {
  const hs = withPolicies(101, [1, 2, 3, 4, 5].map(() => policy(POLICY_RANDOM, {})));
  const x = chiSquare(draws(hs, 5, DRAWS), normalise([1, 1, 1, 1, 1]));
  t.ok(x < chiSquareBound(4), `chi2 ${x.toFixed(2)}`);
});

t.test("random: the chi-square check rejects a wrong distribution", async (t) => {
  // Guards the guard: the same counts tested against skewed probabilities fail.
  const hs = withPolicies(102, [1, 2, 3, 4, 5].map(() => policy(POLICY_RANDOM, {})));
  const x = chiSquare(draws(hs, 5, DRAWS), normalise([1, 1, 1, 1, 1.2]));
  t.ok(x > chiSquareBound(4), `chi2 ${x.toFixed(2)}`);
});

t.test("weighted random: proportional to weight, weight 0 never drawn", async (t) => {
  const weights = [1, 2, 3, 4, 0];
  const hs = withPolicies(103, weights.map((w) => policy(POLICY_WEIGHTED_RANDOM, { weight: w })));
  const counts = draws(hs, 5, DRAWS);
  t.equal(counts[4], 0);
  const x = chiSquare(counts.slice(0, 4), normalise(weights.slice(0, 4)));
  t.ok(x < chiSquareBound(3), `chi2 ${x.toFixed(2)}`);
});

t.test("weighted random: 32-bit weights keep their proportions", async (t) => {
  const weights = [MAX, Math.floor(MAX / 2), Math.floor(MAX / 4), 1000];
  const hs = withPolicies(104, weights.map((w) => policy(POLICY_WEIGHTED_RANDOM, { weight: w })));
  const counts = draws(hs, 4, DRAWS);
  const x = chiSquare(counts.slice(0, 3), normalise(weights.slice(0, 3)));
  t.ok(x < chiSquareBound(2) + 10, `chi2 ${x.toFixed(2)}`); // the 1000-weight PE is ~never drawn
  t.ok(counts[3] <= 2);
});

t.test("weighted random: k draws are without replacement, pairs follow the sequential law", async (t) => {
  const weights = [1, 2, 3];
  const hs = withPolicies(105, weights.map((w) => policy(POLICY_WEIGHTED_RANDOM, { weight: w })));
  const W = 6;
  const pairs: string[] = [];
  const probabilities: number[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (i === j) continue;
      pairs.push(`${i + 1},${j + 1}`);
      probabilities.push((weights[i] / W) * (weights[j] / (W - weights[i])));
    }
  }
  const counts = new Array<number>(pairs.length).fill(0);
  for (const r of picks(hs, H, 2, DRAWS)) counts[pairs.indexOf(r.join())]++;
  const x = chiSquare(counts, probabilities);
  t.ok(x < chiSquareBound(pairs.length - 1), `chi2 ${x.toFixed(2)}`);
  // Asking for more than the pool holds returns every PE once.
  for (const r of picks(hs, H, 5, 50)) t.same([...r].sort(), [1, 2, 3]);
});

t.test("randomized least used: proportional to MAX - load, at least 1", async (t) => {
  const loads = [0, Math.floor(MAX / 2), Math.floor(MAX * 0.75), MAX];
  const hs = withPolicies(106, loads.map((l) => policy(POLICY_RANDOMIZED_LEAST_USED, { load: l })));
  const counts = draws(hs, 4, DRAWS);
  const x = chiSquare(counts.slice(0, 3), normalise(loads.slice(0, 3).map((l) => MAX - l)));
  t.ok(x < chiSquareBound(2) + 10, `chi2 ${x.toFixed(2)}`);
  t.ok(counts[3] <= 2, "a full PE keeps weight 1");
});

t.test("randomized priority least used: proportional to MAX - load - load degradation", async (t) => {
  const q = Math.floor(MAX / 8);
  const values = [[0, 0], [q, q], [2 * q, 2 * q], [q, 0]];
  const hs = withPolicies(107, values.map((v) =>
    policy(POLICY_RANDOMIZED_PRIORITY_LEAST_USED, { load: v[0], loadDegradation: v[1] })));
  const x = chiSquare(draws(hs, 4, DRAWS), normalise(values.map((v) => MAX - v[0] - v[1])));
  t.ok(x < chiSquareBound(3), `chi2 ${x.toFixed(2)}`);
});

t.test("randomized least used degradation: consumed draws degrade, re-registration resets", async (t) => {
  const q = Math.floor(MAX / 1000);
  const hs = withPolicies(108, [1, 2, 3].map(() =>
    policy(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: q })));
  const counts = draws(hs, 3, 300); // default maxIncrement 1: every draw degrades its PE
  let total = 0;
  for (let id = 1; id <= 3; id++) {
    t.equal(hs.getPolicyState(hs.lookup(H, id)), counts[id - 1] * q, `PE ${id} degraded per draw`);
    total += hs.getPolicyState(hs.lookup(H, id));
  }
  t.equal(total, 300 * q);
  add(hs, H, pe(2, policy(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, { load: 0, loadDegradation: q })));
  t.equal(hs.getPolicyState(hs.lookup(H, 2)), 0);
  // maxIncrement 2: the first two of three picks degrade.
  const before = [1, 2, 3].map((id) => hs.getPolicyState(hs.lookup(H, id)));
  const r = picks(hs, H, 3, 1, 2)[0];
  const after = [1, 2, 3].map((id) => hs.getPolicyState(hs.lookup(H, id)));
  t.equal(after[r[0] - 1] - before[r[0] - 1], q);
  t.equal(after[r[1] - 1] - before[r[1] - 1], q);
  t.equal(after[r[2] - 1] - before[r[2] - 1], 0);
});

t.test("randomized least used degradation: distribution follows MAX - load - degradation", async (t) => {
  const loads = [0, Math.floor(MAX / 3), Math.floor(MAX / 2)];
  // Load degradation 0: the weights stay put, so single draws are independent.
  const hs = withPolicies(109, loads.map((l) => policy(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
    { load: l, loadDegradation: 0 })));
  const x = chiSquare(draws(hs, 3, DRAWS), normalise(loads.map((l) => MAX - l)));
  t.ok(x < chiSquareBound(2), `chi2 ${x.toFixed(2)}`);
});

t.test("randomized priority least used degradation: weights and degradation", async (t) => {
  const q = Math.floor(MAX / 10);
  const hs = withPolicies(110, [[0, 0], [q, q]].map((v) => policy(POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
    { load: v[0], loadDegradation: v[1] })));
  // PE 1 has load degradation 0 (never degrades); PE 2 degrades by q per draw.
  // maxIncrement 0 here is the default (1): check the exact weights after known draws.
  const counts = draws(hs, 2, 20);
  t.equal(hs.getPolicyState(hs.lookup(H, 2)), Math.min(counts[1] * q, MAX));
  t.equal(hs.getPolicyState(hs.lookup(H, 1)), 0);
  // Reset, then a long run of single draws with the degradation held fixed by re-registering every draw.
  const counts2 = [0, 0];
  const out = new Int32Array(1);
  for (let i = 0; i < DRAWS; i++) {
    add(hs, H, pe(2, policy(POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION, { load: q, loadDegradation: q })));
    hs.resolve(H, 1, out, 0);
    counts2[hs.getIdentifier(out[0]) - 1]++;
  }
  const x = chiSquare(counts2, normalise([MAX, MAX - 2 * q]));
  t.ok(x < chiSquareBound(1), `chi2 ${x.toFixed(2)}`);
});

t.test("randomized weights: the policy rules with degradation, clamped to at least 1", async (t) => {
  // One PE record at slot 1 (layout.ts), the rest zero.
  const buffer = new ArrayBuffer(2 * RECORD_WORDS * 4);
  const store = { u: new Uint32Array(buffer), f: new Float64Array(buffer) };
  const weightOf = (p: PolicyModule, load: number, loadDegradation: number, degradation: number) => {
    store.u[RECORD_WORDS + F_PA] = load;
    store.u[RECORD_WORDS + F_PB] = loadDegradation;
    store.u[RECORD_WORDS + F_STATE] = degradation;
    (p.weight_ as (s: typeof store, slot: number) => void)(store, 1);
    return store.f[(RECORD_WORDS + F_KEY) >> 1];
  };
  const rlud = randomizedLeastUsedDegradation();
  const rplud = randomizedPriorityLeastUsedDegradation();
  t.equal(weightOf(rlud, 1000, 77, 500), MAX - 1500, "RLUD: MAX - load - degradation");
  t.equal(weightOf(rlud, MAX - 10, 0, 20), 1, "RLUD: never below 1");
  t.equal(weightOf(rplud, 1000, 77, 500), MAX - 1577, "RPLUD: MAX - load - load degradation - degradation");
  t.equal(weightOf(rplud, MAX, MAX, MAX), 1);
  t.equal(weightOf(randomizedLeastUsed(), 5, 77, 500), MAX - 5, "RLU ignores degradation");
  t.equal(weightOf(randomizedPriorityLeastUsed(), 5, 77, 500), MAX - 82, "RPLU ignores degradation");
});

t.test("weighted random DPF: weight reduced by distance x weight DPF", async (t) => {
  const dpf = Math.floor(MAX / 1000); // 0.1 % per ms
  const weights = [1000, 1000, 1000, 1000];
  const distances = [0, 250, 500, 2000];
  const hs = withPolicies(111, weights.map((w) => policy(POLICY_WEIGHTED_RANDOM_DPF, { weight: w, weightDpf: dpf })),
    distances);
  // Expected: w - round(w * d * dpf / MAX); negative -> 1.
  const expected = weights.map((w, i) => {
    const v = w - Math.round(w * distances[i] * (dpf / MAX));
    return v < 0 ? 1 : v;
  });
  t.same(expected, [1000, 750, 500, 1]);
  const counts = draws(hs, 4, DRAWS);
  const x = chiSquare(counts.slice(0, 3), normalise(expected.slice(0, 3)));
  t.ok(x < chiSquareBound(2) + 10, `chi2 ${x.toFixed(2)}`);
});

t.test("random pools: draws stay correct while PEs come and go", async (t) => {
  const hs = space(112);
  const live = new Map<number, number>();
  let rnd = 99;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648);
  const out = new Int32Array(4);
  let bad = 0;
  for (let step = 0; step < 20000; step++) {
    const r = next() % 4;
    if (r === 0 || live.size < 5) {
      const id = 1 + (next() % 300);
      const w = next() % 4;
      add(hs, H, pe(id, policy(POLICY_WEIGHTED_RANDOM, { weight: w })));
      live.set(id, w);
    } else if (r === 1) {
      const ids = [...live.keys()];
      const id = ids[next() % ids.length];
      hs.deregister(H, id);
      live.delete(id);
    } else {
      const n = hs.resolve(H, 4, out, 0);
      const positive = [...live.values()].filter((w) => w > 0).length;
      if (n !== Math.min(4, positive)) bad++;
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const id = hs.getIdentifier(out[i]);
        if (seen.has(id) || !live.has(id) || live.get(id) === 0) bad++;
        seen.add(id);
      }
    }
  }
  t.equal(bad, 0);
});
