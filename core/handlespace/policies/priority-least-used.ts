// Priority Least Used (RFC 5356 s5.3): lowest load + load degradation first
// (clamped to MAX); the load degradation is a constant per PE, not
// accumulated (rsplib since its 2021 fix). Round robin among ties.
// Value a = load, value b = load degradation. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, clampedSum, setKey, valueA, valueB, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, clampedSum(valueA(s, slot), valueB(s, slot), 0));
}

export function priorityLeastUsed(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED, false, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.key_ = key;
  return p;
}
