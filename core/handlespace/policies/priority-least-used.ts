// Priority Least Used (RFC 5356 s5.3): lowest load + load degradation first
// (clamped to MAX); the load degradation is a constant per PE, not
// accumulated (rsplib since its 2021 fix). Round robin among ties.
// pa = load, pb = load degradation. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, clampedSum, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return clampedSum(s.pa[slot], s.pb[slot], 0);
}

export function priorityLeastUsed(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED, "PriorityLeastUsed", false, 1);
  p.fields = ["load", "loadDegradation"];
  p.key = key;
  return p;
}
