// Randomized Least Used with Degradation (rsplib 0xb0001002): drawn with
// probability proportional to MAX - load - degradation (at least 1); each
// consumed draw adds the load degradation to the PE's degradation (state),
// a re-registration resets it. pa = load, pb = load degradation.
// Default maxIncrement 1.
//
// rsplib computes this weight from the degradation but never accumulates
// degradation for this policy (only its LUD/PLUD hooks do), so there it
// behaves like RandomizedLeastUsed; here it degrades like LeastUsedDegradation.
import { POLICY_RANDOMIZED_LEAST_USED_DEGRADATION } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clearDegradation, hasDegradation, remainingFraction,
  type PolicyModule, type PolicyStore,
} from "../policy.js";

function weight(s: PolicyStore, slot: number): number {
  return remainingFraction(s.pa[slot], s.state[slot], 0);
}

export function randomizedLeastUsedDegradation(): PolicyModule {
  const p = basePolicy(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, "RandomizedLeastUsedDegradation", true, 1);
  p.fields = ["load", "loadDegradation"];
  p.weight = weight;
  p.select = accumulateDegradation;
  p.dirty = hasDegradation;
  p.reset = clearDegradation;
  return p;
}
