// Least Used (RFC 5356 s5.1): lowest load first, round robin among equal
// loads. pa = load. Default maxIncrement 1.
import { POLICY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return s.pa[slot];
}

export function leastUsed(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED, "LeastUsed", false, 1);
  p.fields = ["load"];
  p.key = key;
  return p;
}
