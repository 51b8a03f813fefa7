// Priority Least Used with Degradation and Distance Penalty Factor (rsplib
// 0xb0002005): lowest rint(load + load degradation + degradation +
// distance x loadDpf) first (clamped to MAX); each consumed selection adds
// the load degradation to the degradation (state), a re-registration resets
// it. Round robin among ties. pa = load, pb = load degradation,
// pc = load DPF. Default maxIncrement 1.
import { POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF } from "../../wire/constants.js";
import {
  accumulateDegradation, basePolicy, clearDegradation, hasDegradation, penalizedKey,
  type PolicyModule, type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return penalizedKey(s.pa[slot] + s.pb[slot] + s.state[slot], s.distance[slot], s.pc[slot]);
}

export function priorityLeastUsedDegradationDpf(): PolicyModule {
  const p = basePolicy(
    POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF, "PriorityLeastUsedDegradationDPF", false, 1);
  p.fields = ["load", "loadDegradation", "loadDpf"];
  p.carriesDistance = true;
  p.key = key;
  p.select = accumulateDegradation;
  p.dirty = hasDegradation;
  p.reset = clearDegradation;
  return p;
}
