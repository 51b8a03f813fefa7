// Least Used with Distance Penalty Factor (rsplib 0xb0002002): lowest
// rint(load + distance x loadDpf) first (the penalty scaled as a fraction of
// MAX, clamped to MAX), round robin among ties. Value a = load, value b = load DPF;
// distance from the registrar. Default maxIncrement 1.
import { POLICY_LEAST_USED_DPF } from "../../wire/constants.js";
import {
  basePolicy, distanceOf, penalizedKey, setKey, valueA, valueB, type PolicyModule,
  type PolicyStore,
} from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, penalizedKey(valueA(s, slot), distanceOf(s, slot), valueB(s, slot)));
}

export function leastUsedDpf(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED_DPF, false, 1);
  p.fields_ = ["load", "loadDpf"];
  p.carriesDistance_ = true;
  p.key_ = key;
  return p;
}
