// Randomized Priority Least Used (rsplib 0xb0001001): drawn with probability
// proportional to MAX - load - load degradation (at least 1).
// pa = load, pb = load degradation. Default maxIncrement 1.
import { POLICY_RANDOMIZED_PRIORITY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, remainingFraction, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): number {
  return remainingFraction(s.pa[slot], s.pb[slot], 0);
}

export function randomizedPriorityLeastUsed(): PolicyModule {
  const p = basePolicy(POLICY_RANDOMIZED_PRIORITY_LEAST_USED, "RandomizedPriorityLeastUsed", true, 1);
  p.fields = ["load", "loadDegradation"];
  p.weight = weight;
  return p;
}
