// Weighted Random (RFC 5356 s4.4): drawn with probability proportional to
// the weight (value a); weight 0 is never drawn. Default maxIncrement 0.
import { POLICY_WEIGHTED_RANDOM } from "../../wire/constants.js";
import { basePolicy, setKey, valueA, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, valueA(s, slot));
}

export function weightedRandom(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_RANDOM, true, 0);
  p.fields_ = ["weight"];
  p.weight_ = weight;
  return p;
}
