// Random (RFC 5356 s4.3): every PE has weight 1, so k PEs are drawn
// uniformly without replacement. Default maxIncrement 0 (nothing to consume).
import { POLICY_RANDOM } from "../../wire/constants.js";
import { basePolicy, type PolicyModule } from "../policy.js";

function weight(): number {
  return 1;
}

export function random(): PolicyModule {
  const p = basePolicy(POLICY_RANDOM, "Random", true, 0);
  p.weight = weight;
  return p;
}
