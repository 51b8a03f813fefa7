// Priority Least Used with Degradation (rsplib 0xb0001003): lowest
// load + load degradation + accumulated degradation first (clamped to MAX);
// each consumed selection adds the load degradation to the degradation
// (state), a re-registration resets it. Round robin among ties.
// pa = load, pb = load degradation. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clampedSum, clearDegradation, hasDegradation,
  type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return clampedSum(s.pa[slot], s.pb[slot], s.state[slot]);
}

export function priorityLeastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED_DEGRADATION, "PriorityLeastUsedDegradation", false, 1);
  p.fields = ["load", "loadDegradation"];
  p.key = key;
  p.select = accumulateDegradation;
  p.dirty = hasDegradation;
  p.reset = clearDegradation;
  return p;
}
