// Weighted Random (RFC 5356 s4.4): drawn with probability proportional to
// the weight (pa); weight 0 is never drawn. Default maxIncrement 0.
import { POLICY_WEIGHTED_RANDOM } from "../../wire/constants.js";
import { basePolicy, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): number {
  return s.pa[slot];
}

export function weightedRandom(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_RANDOM, "WeightedRandom", true, 0);
  p.fields = ["weight"];
  p.weight = weight;
  return p;
}
