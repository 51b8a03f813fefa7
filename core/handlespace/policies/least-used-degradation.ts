// Least Used with Degradation (RFC 5356 s5.2): lowest load + degradation
// first (clamped to MAX), round robin among ties. Each consumed selection
// adds the PE's load degradation to its degradation (state); a
// re-registration resets it to 0. pa = load, pb = load degradation.
// Default maxIncrement 1.
//
// rsplib also runs the update hook whenever it (re)links a PE into the
// selection tree (on registration, on every re-sort after a selection), so
// there a fresh PE starts with one degradation step and each selection adds
// two. Here degradation is exactly (load degradation) x (consumed selections
// since the last registration), as RFC 5356 s5.2 describes.
import { POLICY_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clampedSum, clearDegradation, hasDegradation,
  type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return clampedSum(s.pa[slot], s.state[slot], 0);
}

export function leastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED_DEGRADATION, "LeastUsedDegradation", false, 1);
  p.fields = ["load", "loadDegradation"];
  p.key = key;
  p.select = accumulateDegradation;
  p.dirty = hasDegradation;
  p.reset = clearDegradation;
  return p;
}
