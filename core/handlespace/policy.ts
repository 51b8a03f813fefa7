// The pool member selection policy interface (RFC 5356) and the arithmetic
// rsplib's policies share. A policy is one file in policies/ that returns a
// PolicyModule; policies/index.ts lists them.
//
// Two selection engines run the policies, as in rsplib
// (src/poolpolicy-template_impl.h):
// - sorting order: the pool keeps its PEs sorted by (key, sequence number);
//   a resolution takes the first k, and the first min(k, maxIncrement) of
//   them are "consumed": they get the pool's next sequence number (so equal
//   keys rotate round-robin) and the policy's `select` hook runs (degradation,
//   WRR counters), then they are re-sorted.
// - randomized: each PE has a weight; k PEs are drawn without replacement
//   with probability proportional to weight (Fenwick tree, O(log n) per draw);
//   the first min(k, maxIncrement) drawn run `select`.
// maxIncrement 0 means the policy's default (rsplib: "0 = default").
//
// Per-PE storage the policies use (struct-of-arrays, indexed by slot):
//   pa, pb, pc  the policy's wire fields, in the order of `fields`
//   distance    the DPF distance (ms) the registrar measured
//   state, aux  policy state: degradation; or WRR round and virtual counter
//               (randomized pools use aux for the PE's position in the pool)

/** Wire fields of a Policy (core/wire/types.ts) a policy may keep. */
export type PolicyField = "weight" | "priority" | "load" | "loadDegradation" | "loadDpf" | "weightDpf";

/** The per-PE arrays a policy reads and writes. */
export interface PolicyStore {
  pa: Uint32Array;
  pb: Uint32Array;
  pc: Uint32Array;
  distance: Uint32Array;
  state: Uint32Array;
  aux: Uint32Array;
}

/** A pool's members as the policies see them: slots order[lo] ... order[hi - 1]. */
export interface PoolView {
  order: Int32Array;
  lo: number;
  hi: number;
  count: number;
}

export interface PolicyModule {
  /** POLICY_* wire code (core/wire/constants.ts). */
  type: number;
  /** rsplib's name. */
  name: string;
  /** true: weighted random draw; false: sorting order. */
  randomized: boolean;
  /** maxIncrement used when a resolution passes 0 (rsplib's table). */
  defaultMaxIncrement: number;
  /** Wire fields kept in pa, pb, pc, in this order. */
  fields: PolicyField[];
  /** The wire policy carries the DPF distance. */
  carriesDistance: boolean;
  /** Sorting order: the primary key, ascending (ties: older sequence number first). */
  key: ((s: PolicyStore, slot: number) => number) | null;
  /** Randomized: the PE's weight, an integer >= 0. */
  weight: ((s: PolicyStore, slot: number) => number) | null;
  /** A new PE, before it joins the pool (the pool does not contain it yet). */
  initialize: ((s: PolicyStore, pool: PoolView, slot: number) => void) | null;
  /** Before each resolution on the pool. */
  prepare: ((s: PolicyStore, pool: PoolView) => void) | null;
  /** A consumed PE (one of the first maxIncrement selected). */
  select: ((s: PolicyStore, slot: number) => void) | null;
  /** True when a re-registration with unchanged values must still reset state. */
  dirty: ((s: PolicyStore, slot: number) => boolean) | null;
  /** Re-registration reset (rsplib poolElementNodeUpdate): degradation 0, counters clamped. */
  reset: ((s: PolicyStore, slot: number) => void) | null;
}

/** Load, degradation, weight and DPF values are fractions of this (RFC 5356 s5). */
export const POLICY_VALUE_MAX = 0xffffffff;

/** a + b + c clamped to POLICY_VALUE_MAX (inputs are uint32). */
export function clampedSum(a: number, b: number, c: number): number {
  const v = a + b + c;
  return v > POLICY_VALUE_MAX ? POLICY_VALUE_MAX : v;
}

/**
 * POLICY_VALUE_MAX - a - b - c, at least 1 (a weight of 0 would never be
 * drawn) and at most POLICY_VALUE_MAX: the randomized least-used weights.
 */
export function remainingFraction(a: number, b: number, c: number): number {
  const v = POLICY_VALUE_MAX - a - b - c;
  return v < 1 ? 1 : v;
}

/** C rint(): round half to even. */
export function rint(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The distance penalty as a fraction of POLICY_VALUE_MAX: distance (ms) times
 * the per-ms penalty factor (dpf / MAX), scaled back to MAX
 * (draft-dreibholz-rserpool-delay; rsplib evaluates it in doubles like this).
 */
export function distancePenalty(distance: number, dpf: number): number {
  return distance * (dpf / POLICY_VALUE_MAX) * POLICY_VALUE_MAX;
}

/** A DPF sorting key: rint of the sum plus penalty, clamped to MAX. */
export function penalizedKey(sum: number, distance: number, dpf: number): number {
  const v = rint(sum + distancePenalty(distance, dpf));
  return v > POLICY_VALUE_MAX ? POLICY_VALUE_MAX : v;
}

/** Degradation accumulation of the *Degradation policies: state += loadDegradation (pb), clamped. */
export function accumulateDegradation(s: PolicyStore, slot: number): void {
  s.state[slot] = clampedSum(s.state[slot], s.pb[slot], 0);
}

/** True when the PE carries degradation (a re-registration must reset it). */
export function hasDegradation(s: PolicyStore, slot: number): boolean {
  return s.state[slot] !== 0;
}

/** Clears the accumulated degradation. */
export function clearDegradation(s: PolicyStore, slot: number): void {
  s.state[slot] = 0;
}

/** A PolicyModule with every hook absent; policies fill in what they use. */
export function basePolicy(type: number, name: string, randomized: boolean, defaultMaxIncrement: number): PolicyModule {
  return {
    type: type,
    name: name,
    randomized: randomized,
    defaultMaxIncrement: defaultMaxIncrement,
    fields: [],
    carriesDistance: false,
    key: null,
    weight: null,
    initialize: null,
    prepare: null,
    select: null,
    dirty: null,
    reset: null,
  };
}
