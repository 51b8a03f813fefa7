// Randomized Priority Least Used (rsplib 0xb0001001): drawn with probability
// proportional to MAX - load - load degradation (at least 1).
// Value a = load, value b = load degradation. Default maxIncrement 1.
import { POLICY_RANDOMIZED_PRIORITY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, remainingFraction, setKey, valueA, valueB, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, remainingFraction(valueA(s, slot), valueB(s, slot), 0));
}

export function randomizedPriorityLeastUsed(): PolicyModule {
  const p = basePolicy(POLICY_RANDOMIZED_PRIORITY_LEAST_USED, true, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.weight_ = weight;
  return p;
}
