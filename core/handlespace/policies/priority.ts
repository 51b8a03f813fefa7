// Priority (RFC 5356 s4.5): highest priority value first (rsplib sorts the
// value descending), round robin among equal priorities. Value a = priority.
// Default maxIncrement 1.
import { POLICY_PRIORITY } from "../../wire/constants.js";
import { basePolicy, POLICY_VALUE_MAX, setKey, valueA, type PolicyModule, type PolicyStore } from "../policy.js";

function key(s: PolicyStore, slot: number): void {
  setKey(s, slot, POLICY_VALUE_MAX - valueA(s, slot));
}

export function priority(): PolicyModule {
  const p = basePolicy(POLICY_PRIORITY, false, 1);
  p.fields_ = ["priority"];
  p.key_ = key;
  return p;
}
