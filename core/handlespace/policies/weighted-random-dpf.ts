// Weighted Random with Distance Penalty Factor (rsplib 0xb0002001,
// draft-dreibholz-rserpool-delay): drawn with probability proportional to
// weight - rint(weight x distance x weightDpf / MAX); a negative result
// becomes 1, so even a far PE can be drawn (0 stays 0). pa = weight,
// pb = weight DPF; distance from the registrar. Default maxIncrement 0.
import { POLICY_WEIGHTED_RANDOM_DPF } from "../../wire/constants.js";
import { basePolicy, POLICY_VALUE_MAX, rint, type PolicyModule, type PolicyStore } from "../policy.js";

function weight(s: PolicyStore, slot: number): number {
  const w = s.pa[slot];
  const dpf = s.distance[slot] * (s.pb[slot] / POLICY_VALUE_MAX);
  const v = w - rint(w * dpf);
  if (v < 0) return 1;
  return v > POLICY_VALUE_MAX ? POLICY_VALUE_MAX : v;
}

export function weightedRandomDpf(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_RANDOM_DPF, "WeightedRandomDPF", true, 0);
  p.fields = ["weight", "weightDpf"];
  p.carriesDistance = true;
  p.weight = weight;
  return p;
}
