// Weighted Round Robin (RFC 5356 s4.2), rsplib's counters: each PE has a
// round counter (state) and a virtual counter (aux). Order: round ascending,
// then virtual counter ascending, then sequence number. A new PE joins the
// round of the pool's first PE with virtual counter = weight. A consumed PE
// decrements its virtual counter; at 1 it moves to the next round with the
// counter reloaded to its weight, so per round it is taken `weight` times
// (weight 0 or 1: once). A re-registration clamps the virtual counter to the
// new weight. Value a = weight. Default maxIncrement 1.
//
// rsplib lets round counters run to 2^64 and rebases near the wrap; here the
// key is round * 2^32 + counter in a double, so the pool rebases (subtracts
// the lowest round from all, which keeps the order) once rounds reach 2^20.
import { POLICY_WEIGHTED_ROUND_ROBIN } from "../../wire/constants.js";
import {
  auxOf, basePolicy, setAux, setKey, setState, stateOf, valueA, type PolicyModule,
  type PolicyStore, type PoolView,
} from "../policy.js";

const REBASE_ROUND = 1048576;

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, stateOf(s, slot) * 4294967296 + auxOf(s, slot));
}

function initialize(s: PolicyStore, pool: PoolView, slot: number): void {
  setState(s, slot, pool.count_ > 0 ? stateOf(s, pool.order_[pool.lo_]) : 0);
  setAux(s, slot, valueA(s, slot));
}

function prepare(s: PolicyStore, pool: PoolView): void {
  if (pool.count_ === 0) return;
  const lowest = stateOf(s, pool.order_[pool.lo_]);
  if (lowest < REBASE_ROUND) return;
  for (let i = pool.lo_; i < pool.hi_; i++) {
    const slot = pool.order_[i];
    setState(s, slot, stateOf(s, slot) - lowest);
    key(s, slot);
  }
}

function select(s: PolicyStore, slot: number): void {
  const counter = auxOf(s, slot);
  if (counter > 1) {
    setAux(s, slot, counter - 1);
  } else {
    setState(s, slot, stateOf(s, slot) + 1);
    setAux(s, slot, valueA(s, slot));
  }
}

function reset(s: PolicyStore, slot: number): void {
  if (auxOf(s, slot) > valueA(s, slot)) setAux(s, slot, valueA(s, slot));
}

export function weightedRoundRobin(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_ROUND_ROBIN, false, 1);
  p.fields_ = ["weight"];
  p.key_ = key;
  p.initialize_ = initialize;
  p.prepare_ = prepare;
  p.select_ = select;
  p.reset_ = reset;
  return p;
}
