// Priority Least Used with Distance Penalty Factor (rsplib 0xb0002004):
// lowest rint(load + load degradation + distance x loadDpf) first (clamped
// to MAX), round robin among ties. Value a = load, value b = load degradation,
// value c = load DPF; distance from the registrar. Default maxIncrement 1.
// (rsplib's message code has no case for this type; which fields go on the
// wire is the codec's business, the handlespace keeps these four.)
import { POLICY_PRIORITY_LEAST_USED_DPF } from "../../wire/constants.js";
import {
  basePolicy, distanceOf, penalizedKey, setKey, valueA, valueB, valueC, type PolicyModule,
  type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, penalizedKey(valueA(s, slot) + valueB(s, slot), distanceOf(s, slot), valueC(s, slot)));
}

export function priorityLeastUsedDpf(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY_LEAST_USED_DPF, false, 1);
  p.fields_ = ["load", "loadDegradation", "loadDpf"];
  p.carriesDistance_ = true;
  p.key_ = key;
  return p;
}
