// The policy table. Adding a policy: one file in this folder returning a
// PolicyModule (or a member of the Least Used family in least-used.ts),
// plus one line here.
import {
  POLICY_LEAST_USED,
  POLICY_LEAST_USED_DEGRADATION,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_LEAST_USED_DPF,
  POLICY_PRIORITY_LEAST_USED,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
  POLICY_PRIORITY_LEAST_USED_DPF,
  POLICY_RANDOMIZED_LEAST_USED,
  POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
} from "../../wire/constants.js";
import type { PolicyModule } from "../policy.js";
import { roundRobin } from "./round-robin.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";
import { random } from "./random.js";
import { weightedRandom } from "./weighted-random.js";
import { priority } from "./priority.js";
import { weightedRandomDpf } from "./weighted-random-dpf.js";
import {
  LU_DEGRADATION,
  LU_DPF,
  LU_PRIORITY,
  LU_RANDOMIZED,
  leastUsedFamily,
  leastUsed,
  leastUsedDegradation,
  leastUsedDegradationDpf,
  leastUsedDpf,
  priorityLeastUsed,
  priorityLeastUsedDegradation,
  priorityLeastUsedDegradationDpf,
  priorityLeastUsedDpf,
  randomizedLeastUsed,
  randomizedLeastUsedDegradation,
  randomizedPriorityLeastUsed,
  randomizedPriorityLeastUsedDegradation,
} from "./least-used.js";

/** Every policy this project implements (a new array of new modules per call). */
export function allPolicies(): PolicyModule[] {
  return [
    roundRobin(),
    weightedRoundRobin(),
    random(),
    weightedRandom(),
    priority(),
    leastUsedFamily(POLICY_LEAST_USED, 0),
    leastUsedFamily(POLICY_LEAST_USED_DEGRADATION, LU_DEGRADATION),
    leastUsedFamily(POLICY_PRIORITY_LEAST_USED, LU_PRIORITY),
    leastUsedFamily(POLICY_RANDOMIZED_LEAST_USED, LU_RANDOMIZED),
    leastUsedFamily(POLICY_RANDOMIZED_PRIORITY_LEAST_USED, LU_RANDOMIZED | LU_PRIORITY),
    leastUsedFamily(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, LU_RANDOMIZED | LU_DEGRADATION),
    leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DEGRADATION, LU_PRIORITY | LU_DEGRADATION),
    leastUsedFamily(POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION, LU_RANDOMIZED | LU_PRIORITY | LU_DEGRADATION),
    weightedRandomDpf(),
    leastUsedFamily(POLICY_LEAST_USED_DPF, LU_DPF),
    leastUsedFamily(POLICY_LEAST_USED_DEGRADATION_DPF, LU_DEGRADATION | LU_DPF),
    leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DPF, LU_PRIORITY | LU_DPF),
    leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF, LU_PRIORITY | LU_DEGRADATION | LU_DPF),
  ];
}

export {
  roundRobin, weightedRoundRobin, random, weightedRandom, priority, leastUsed, leastUsedDegradation,
  priorityLeastUsed, randomizedLeastUsed, randomizedPriorityLeastUsed, randomizedLeastUsedDegradation,
  priorityLeastUsedDegradation, randomizedPriorityLeastUsedDegradation, weightedRandomDpf, leastUsedDpf,
  leastUsedDegradationDpf, priorityLeastUsedDpf, priorityLeastUsedDegradationDpf,
};
