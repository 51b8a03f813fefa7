// Least Used with Distance Penalty Factor (rsplib 0xb0002002): lowest
// rint(load + distance x loadDpf) first (the penalty scaled as a fraction of
// MAX, clamped to MAX), round robin among ties. pa = load, pb = load DPF;
// distance from the registrar. Default maxIncrement 1.
import { POLICY_LEAST_USED_DPF } from "../../wire/constants.js";
import { basePolicy, penalizedKey, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return penalizedKey(s.pa[slot], s.distance[slot], s.pb[slot]);
}

export function leastUsedDpf(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED_DPF, "LeastUsedDPF", false, 1);
  p.fields = ["load", "loadDpf"];
  p.carriesDistance = true;
  p.key = key;
  return p;
}
