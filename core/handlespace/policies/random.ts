// Random (RFC 5356 s4.3): every PE has weight 1, so k PEs are drawn
// uniformly without replacement. Default maxIncrement 0 (nothing to consume).
import { POLICY_RANDOM } from "../../wire/constants.js";
import { basePolicy, setKey, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, 1);
}

export function random(): PolicyModule {
  const p = basePolicy(POLICY_RANDOM, true, 0);
  p.weight_ = weight;
  return p;
}
