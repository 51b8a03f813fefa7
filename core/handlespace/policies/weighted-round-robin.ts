// Weighted Round Robin (RFC 5356 s4.2), rsplib's counters: each PE has a
// round counter (state) and a virtual counter (aux). Order: round ascending,
// then virtual counter ascending, then sequence number. A new PE joins the
// round of the pool's first PE with virtual counter = weight. A consumed PE
// decrements its virtual counter; at 1 it moves to the next round with the
// counter reloaded to its weight, so per round it is taken `weight` times
// (weight 0 or 1: once). A re-registration clamps the virtual counter to the
// new weight. pa = weight. Default maxIncrement 1.
//
// rsplib lets round counters run to 2^64 and rebases near the wrap; here the
// key is round * 2^32 + counter in a double, so the pool rebases (subtracts
// the lowest round from all, which keeps the order) once rounds reach 2^20.
import { POLICY_WEIGHTED_ROUND_ROBIN } from "../../wire/constants.js";
import { basePolicy, type PolicyModule, type PolicyStore, type PoolView } from "../policy.js";

const REBASE_ROUND = 1048576;

function key(s: PolicyStore, slot: number): number {
  return s.state[slot] * 4294967296 + s.aux[slot];
}

function initialize(s: PolicyStore, pool: PoolView, slot: number): void {
  s.state[slot] = pool.count > 0 ? s.state[pool.order[pool.lo]] : 0;
  s.aux[slot] = s.pa[slot];
}

function prepare(s: PolicyStore, pool: PoolView): void {
  if (pool.count === 0) return;
  const lowest = s.state[pool.order[pool.lo]];
  if (lowest < REBASE_ROUND) return;
  for (let i = pool.lo; i < pool.hi; i++) s.state[pool.order[i]] -= lowest;
}

function select(s: PolicyStore, slot: number): void {
  if (s.aux[slot] > 1) {
    s.aux[slot] = s.aux[slot] - 1;
  } else {
    s.state[slot] = s.state[slot] + 1;
    s.aux[slot] = s.pa[slot];
  }
}

function reset(s: PolicyStore, slot: number): void {
  if (s.aux[slot] > s.pa[slot]) s.aux[slot] = s.pa[slot];
}

export function weightedRoundRobin(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_ROUND_ROBIN, "WeightedRoundRobin", false, 1);
  p.fields = ["weight"];
  p.key = key;
  p.initialize = initialize;
  p.prepare = prepare;
  p.select = select;
  p.reset = reset;
  return p;
}
