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
// Per-PE storage the policies use, in the PE record (layout.ts), read and
// written through the accessors below:
//   valueA, valueB, valueC  the policy's wire fields, in the order of `fields`
//   distance                the DPF distance (ms) the registrar measured
//   state, aux              policy state: degradation; or WRR round and
//                           virtual counter (randomized pools use aux for the
//                           PE's position in the pool)
//   key                     what `key` / `weight` compute, stored with setKey
import {
  F_AUX, F_DISTANCE, F_KEY, F_PA, F_PB, F_PC, F_STATE, RECORD_WORDS,
} from "./layout.js";

/** Wire fields of a Policy (core/wire/types.ts) a policy may keep. */
export type PolicyField = "weight" | "priority" | "load" | "loadDegradation" | "loadDpf" | "weightDpf";

/** The PE records as the policies see them: the unsigned and the float64 views. */
export interface PolicyStore {
  u: Uint32Array;
  f: Float64Array;
}

/** Stores the PE's sorting key or weight (what `key` and `weight` compute). */
export function setKey(s: PolicyStore, slot: number, value: number): void {
  s.f[(slot * RECORD_WORDS + F_KEY) >> 1] = value;
}

/** The PE's stored sorting key or weight. */
export function keyOf(s: PolicyStore, slot: number): number {
  return s.f[(slot * RECORD_WORDS + F_KEY) >> 1];
}

export function valueA(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_PA];
}

export function valueB(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_PB];
}

export function valueC(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_PC];
}

export function distanceOf(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_DISTANCE];
}

export function stateOf(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_STATE];
}

export function setState(s: PolicyStore, slot: number, value: number): void {
  s.u[slot * RECORD_WORDS + F_STATE] = value;
}

export function auxOf(s: PolicyStore, slot: number): number {
  return s.u[slot * RECORD_WORDS + F_AUX];
}

export function setAux(s: PolicyStore, slot: number, value: number): void {
  s.u[slot * RECORD_WORDS + F_AUX] = value;
}

/** A pool's members as the policies see them: slots order[lo] ... order[hi - 1]. */
export interface PoolView {
  order_: Int32Array;
  lo_: number;
  hi_: number;
  count_: number;
}

export interface PolicyModule {
  /** POLICY_* wire code (core/wire/constants.ts; its name: core/wire/policy-names.ts). */
  type: number;
  /** true: weighted random draw; false: sorting order. */
  randomized_: boolean;
  /** maxIncrement used when a resolution passes 0 (rsplib's table). */
  defaultMaxIncrement_: number;
  /** Wire fields kept in values a, b, c, in this order. */
  fields_: PolicyField[];
  /** The wire policy carries the DPF distance. */
  carriesDistance_: boolean;
  /**
   * Sorting order: computes the PE's primary key (ascending; ties: older
   * sequence number first) and stores it with setKey.
   */
  key_: ((s: PolicyStore, slot: number) => void) | null;
  /** Randomized: computes the PE's weight (an integer >= 0) and stores it with setKey. */
  weight_: ((s: PolicyStore, slot: number) => void) | null;
  /** A new PE, before its key is computed and it joins the pool (which does not contain it yet). */
  initialize_: ((s: PolicyStore, pool: PoolView, slot: number) => void) | null;
  /** Before each resolution on the pool (must keep the order; store any changed keys). */
  prepare_: ((s: PolicyStore, pool: PoolView) => void) | null;
  /** A consumed PE (one of the first maxIncrement selected). */
  select_: ((s: PolicyStore, slot: number) => void) | null;
  /** True when a re-registration with unchanged values must still reset state. */
  dirty_: ((s: PolicyStore, slot: number) => boolean) | null;
  /** Re-registration reset (rsplib poolElementNodeUpdate): degradation 0, counters clamped. */
  reset_: ((s: PolicyStore, slot: number) => void) | null;
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

/** Degradation accumulation of the *Degradation policies: state += load degradation (value b), clamped. */
export function accumulateDegradation(s: PolicyStore, slot: number): void {
  setState(s, slot, clampedSum(stateOf(s, slot), valueB(s, slot), 0));
}

/** True when the PE carries degradation (a re-registration must reset it). */
export function hasDegradation(s: PolicyStore, slot: number): boolean {
  return stateOf(s, slot) !== 0;
}

/** Clears the accumulated degradation. */
export function clearDegradation(s: PolicyStore, slot: number): void {
  setState(s, slot, 0);
}

/** A PolicyModule with every hook absent; policies fill in what they use. */
export function basePolicy(type: number, randomized: boolean, defaultMaxIncrement: number): PolicyModule {
  return {
    type: type,
    randomized_: randomized,
    defaultMaxIncrement_: defaultMaxIncrement,
    fields_: [],
    carriesDistance_: false,
    key_: null,
    weight_: null,
    initialize_: null,
    prepare_: null,
    select_: null,
    dirty_: null,
    reset_: null,
  };
}
