// Least Used (RFC 5356 s5.1): lowest load first, round robin among equal
// loads. Value a = load. Default maxIncrement 1.
import { POLICY_LEAST_USED } from "../../wire/constants.js";
import { basePolicy, setKey, valueA, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, valueA(s, slot));
}

export function leastUsed(): PolicyModule {
  const p = basePolicy(POLICY_LEAST_USED, false, 1);
  p.fields_ = ["load"];
  p.key_ = key;
  return p;
}
