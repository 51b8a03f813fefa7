// Round Robin (RFC 5356 s4.1). rsplib: sorting order by sequence number
// only, so the PE used longest ago comes first; a consumed PE takes the
// pool's next sequence number and moves to the end. Default maxIncrement 1.
import { POLICY_ROUND_ROBIN } from "../../wire/constants.js";
import { basePolicy, setKey, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, 0);
}

export function roundRobin(): PolicyModule {
  const p = basePolicy(POLICY_ROUND_ROBIN, false, 1);
  p.key_ = key;
  return p;
}
