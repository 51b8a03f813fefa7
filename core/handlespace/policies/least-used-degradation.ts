// Least Used with Degradation (RFC 5356 s5.2): lowest load + degradation
// first (clamped to MAX), round robin among ties. Each consumed selection
// adds the PE's load degradation to its degradation (state); a
// re-registration resets it to 0. Value a = load, value b = load degradation.
// Default maxIncrement 1.
//
// rsplib also runs the update hook whenever it (re)links a PE into the
// selection tree (on registration, on every re-sort after a selection), so
// there a fresh PE starts with one degradation step and each selection adds
// two. Here degradation is exactly (load degradation) x (consumed selections
// since the last registration), as RFC 5356 s5.2 describes.
import { POLICY_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clampedSum, clearDegradation, hasDegradation, setKey, stateOf,
  valueA, type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, clampedSum(valueA(s, slot), stateOf(s, slot), 0));
}

export function leastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED_DEGRADATION, false, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.key_ = key;
  p.select_ = accumulateDegradation;
  p.dirty_ = hasDegradation;
  p.reset_ = clearDegradation;
  return p;
}
