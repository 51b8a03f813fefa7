// Randomized Least Used (RFC 5356 s5.4): drawn with probability
// proportional to MAX - load (at least 1, so a fully loaded PE can still be
// drawn). Value a = load. Default maxIncrement 1 (rsplib's table).
import { POLICY_RANDOMIZED_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, remainingFraction, setKey, valueA, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  setKey(s, slot, remainingFraction(valueA(s, slot), 0, 0));
}

export function randomizedLeastUsed(): PolicyModule {
  const p = basePolicy(POLICY_RANDOMIZED_LEAST_USED, true, 1);
  p.fields_ = ["load"];
  p.weight_ = weight;
  return p;
}
