// Priority (RFC 5356 s4.5): highest priority value first (rsplib sorts the
// value descending), round robin among equal priorities. pa = priority.
// Default maxIncrement 1.
import { POLICY_PRIORITY } from "../../wire/constants.js";
import { basePolicy, POLICY_VALUE_MAX, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): number {
  return POLICY_VALUE_MAX - s.pa[slot];
}

export function priority(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY, "Priority", false, 1);
  p.fields = ["priority"];
  p.key = key;
  return p;
}
