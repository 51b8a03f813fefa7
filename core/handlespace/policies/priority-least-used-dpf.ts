// Priority Least Used with Distance Penalty Factor (rsplib 0xb0002004):
// lowest rint(load + load degradation + distance x loadDpf) first (clamped
// to MAX), round robin among ties. pa = load, pb = load degradation,
// pc = load DPF; distance from the registrar. Default maxIncrement 1.
// (rsplib's message code has no case for this type; which fields go on the
// wire is the codec's business, the handlespace keeps these four.)
import { POLICY_PRIORITY_LEAST_USED_DPF } from "../../wire/constants.js";
import { basePolicy, penalizedKey, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return penalizedKey(s.pa[slot] + s.pb[slot], s.distance[slot], s.pc[slot]);
}

export function priorityLeastUsedDpf(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED_DPF, "PriorityLeastUsedDPF", false, 1);
  p.fields = ["load", "loadDegradation", "loadDpf"];
  p.carriesDistance = true;
  p.key = key;
  return p;
}
