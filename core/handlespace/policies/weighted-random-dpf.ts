// Weighted Random with Distance Penalty Factor (rsplib 0xb0002001,
// draft-dreibholz-rserpool-delay): drawn with probability proportional to
// weight - rint(weight x distance x weightDpf / MAX); a negative result
// becomes 1, so even a far PE can be drawn (0 stays 0). Value a = weight,
// value b = weight DPF; distance from the registrar. Default maxIncrement 0.
import { POLICY_WEIGHTED_RANDOM_DPF } from "../../wire/constants.js";
import {
  basePolicy, distanceOf, POLICY_VALUE_MAX, rint, setKey, valueA, valueB, type PolicyModule,
  type PolicyStore,
} from "../policy.js";

function weight(s: PolicyStore, slot: number): void {
  const w = valueA(s, slot);
  const dpf = distanceOf(s, slot) * (valueB(s, slot) / POLICY_VALUE_MAX);
  const v = w - rint(w * dpf);
  setKey(s, slot, v < 0 ? 1 : v > POLICY_VALUE_MAX ? POLICY_VALUE_MAX : v);
}

export function weightedRandomDpf(): PolicyModule {
  const p = basePolicy(POLICY_WEIGHTED_RANDOM_DPF, true, 0);
  p.fields_ = ["weight", "weightDpf"];
  p.carriesDistance_ = true;
  p.weight_ = weight;
  return p;
}
