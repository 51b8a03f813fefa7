// Randomized Priority Least Used with Degradation (rsplib 0xb0001004): drawn
// with probability proportional to MAX - load - load degradation -
// degradation (at least 1); each consumed draw adds the load degradation to
// the degradation (state), a re-registration resets it (see
// randomized-least-used-degradation.ts for rsplib's difference).
// Value a = load, value b = load degradation. Default maxIncrement 1.
import { POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clearDegradation, hasDegradation, remainingFraction, setKey,
  stateOf, valueA, valueB, type PolicyModule, type PolicyStore,
} from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, remainingFraction(valueA(s, slot), valueB(s, slot), stateOf(s, slot)));
}

export function randomizedPriorityLeastUsedDegradation(): PolicyModule {
  const p = basePolicy(
    POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION, true, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.weight_ = weight;
  p.select_ = accumulateDegradation;
  p.dirty_ = hasDegradation;
  p.reset_ = clearDegradation;
  return p;
}
