// Priority Least Used with Degradation and Distance Penalty Factor (rsplib
// 0xb0002005): lowest rint(load + load degradation + degradation +
// distance x loadDpf) first (clamped to MAX); each consumed selection adds
// the load degradation to the degradation (state), a re-registration resets
// it. Round robin among ties. Value a = load, value b = load degradation,
// value c = load DPF. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clearDegradation, distanceOf, hasDegradation, penalizedKey,
  setKey, stateOf, valueA, valueB, valueC, type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, penalizedKey(valueA(s, slot) + valueB(s, slot) + stateOf(s, slot), distanceOf(s, slot), valueC(s, slot)));
}

export function priorityLeastUsedDegradationDpf(): PolicyModule {
  const p = basePolicy(
    POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF, false, 1);
  p.fields_ = ["load", "loadDegradation", "loadDpf"];
  p.carriesDistance_ = true;
  p.key_ = key;
  p.select_ = accumulateDegradation;
  p.dirty_ = hasDegradation;
  p.reset_ = clearDegradation;
  return p;
}
