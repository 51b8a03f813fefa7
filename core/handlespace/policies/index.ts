// The policy table. Adding a policy: one file in this folder returning a
// PolicyModule, plus one line here.
import type { PolicyModule } from "../policy.js";
import { roundRobin } from "./round-robin.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";
import { random } from "./random.js";
import { weightedRandom } from "./weighted-random.js";
import { priority } from "./priority.js";
import { leastUsed } from "./least-used.js";
import { leastUsedDegradation } from "./least-used-degradation.js";
import { priorityLeastUsed } from "./priority-least-used.js";
import { randomizedLeastUsed } from "./randomized-least-used.js";
import { randomizedPriorityLeastUsed } from "./randomized-priority-least-used.js";
import { randomizedLeastUsedDegradation } from "./randomized-least-used-degradation.js";
import { priorityLeastUsedDegradation } from "./priority-least-used-degradation.js";
import { randomizedPriorityLeastUsedDegradation } from "./randomized-priority-least-used-degradation.js";
import { weightedRandomDpf } from "./weighted-random-dpf.js";
import { leastUsedDpf } from "./least-used-dpf.js";
import { leastUsedDegradationDpf } from "./least-used-degradation-dpf.js";
import { priorityLeastUsedDpf } from "./priority-least-used-dpf.js";
import { priorityLeastUsedDegradationDpf } from "./priority-least-used-degradation-dpf.js";

/** Every policy this project implements (a new array of new modules per call). */
export function allPolicies(): PolicyModule[] {
  return [
    roundRobin(),
    weightedRoundRobin(),
    random(),
    weightedRandom(),
    priority(),
    leastUsed(),
    leastUsedDegradation(),
    priorityLeastUsed(),
    randomizedLeastUsed(),
    randomizedPriorityLeastUsed(),
    randomizedLeastUsedDegradation(),
    priorityLeastUsedDegradation(),
    randomizedPriorityLeastUsedDegradation(),
    weightedRandomDpf(),
    leastUsedDpf(),
    leastUsedDegradationDpf(),
    priorityLeastUsedDpf(),
    priorityLeastUsedDegradationDpf(),
  ];
}

export {
  roundRobin, weightedRoundRobin, random, weightedRandom, priority, leastUsed, leastUsedDegradation,
  priorityLeastUsed, randomizedLeastUsed, randomizedPriorityLeastUsed, randomizedLeastUsedDegradation,
  priorityLeastUsedDegradation, randomizedPriorityLeastUsedDegradation, weightedRandomDpf, leastUsedDpf,
  leastUsedDegradationDpf, priorityLeastUsedDpf, priorityLeastUsedDegradationDpf,
};
