// Priority Least Used with Degradation (rsplib 0xb0001003): lowest
// load + load degradation + accumulated degradation first (clamped to MAX);
// each consumed selection adds the load degradation to the degradation
// (state), a re-registration resets it. Round robin among ties.
// Value a = load, value b = load degradation. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clampedSum, clearDegradation, hasDegradation, setKey, stateOf,
  valueA, valueB, type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, clampedSum(valueA(s, slot), valueB(s, slot), stateOf(s, slot)));
}

export function priorityLeastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED_DEGRADATION, false, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.key_ = key;
  p.select_ = accumulateDegradation;
  p.dirty_ = hasDegradation;
  p.reset_ = clearDegradation;
  return p;
}
