// Randomized Least Used with Degradation (rsplib 0xb0001002): drawn with
// probability proportional to MAX - load - degradation (at least 1); each
// consumed draw adds the load degradation to the PE's degradation (state),
// a re-registration resets it. Value a = load, value b = load degradation.
// Default maxIncrement 1.
//
// rsplib computes this weight from the degradation but never accumulates
// degradation for this policy (only its LUD/PLUD hooks do), so there it
// behaves like RandomizedLeastUsed; here it degrades like LeastUsedDegradation.
import { POLICY_RANDOMIZED_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clearDegradation, hasDegradation, remainingFraction, setKey,
  stateOf, valueA, type PolicyModule, type PolicyStore,
} from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, remainingFraction(valueA(s, slot), stateOf(s, slot), 0));
}

export function randomizedLeastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, true, 1);
  p.fields_ = ["load", "loadDegradation"];
  p.weight_ = weight;
  p.select_ = accumulateDegradation;
  p.dirty_ = hasDegradation;
  p.reset_ = clearDegradation;
  return p;
}
