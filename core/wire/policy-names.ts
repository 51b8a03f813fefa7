// Policy names: rsplib's spellings (rsp_getpolicybyname) plus short forms.

import {
  POLICY_ROUND_ROBIN,
  POLICY_WEIGHTED_ROUND_ROBIN,
  POLICY_RANDOM,
  POLICY_WEIGHTED_RANDOM,
  POLICY_PRIORITY,
  POLICY_LEAST_USED,
  POLICY_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_LEAST_USED,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_WEIGHTED_RANDOM_DPF,
  POLICY_LEAST_USED_DPF,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_PRIORITY_LEAST_USED_DPF,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
} from "./constants.js";

/** Policy type for a name (case-insensitive rsplib spelling or short form); 0 when unknown. */
export function policyTypeByName(name: string): number {
  if (typeof name !== "string") {
    return 0;
  }
  switch (name.toLowerCase()) {
    case "roundrobin":
    case "rr":
      return POLICY_ROUND_ROBIN;
    case "weightedroundrobin":
    case "wrr":
      return POLICY_WEIGHTED_ROUND_ROBIN;
    case "random":
    case "rand":
      return POLICY_RANDOM;
    case "weightedrandom":
    case "wrand":
      return POLICY_WEIGHTED_RANDOM;
    case "priority":
    case "prio":
      return POLICY_PRIORITY;
    case "leastused":
    case "lu":
      return POLICY_LEAST_USED;
    case "leastuseddegradation":
    case "lud":
      return POLICY_LEAST_USED_DEGRADATION;
    case "priorityleastused":
    case "plu":
      return POLICY_PRIORITY_LEAST_USED;
    case "randomizedleastused":
    case "rlu":
      return POLICY_RANDOMIZED_LEAST_USED;
    case "randomizedpriorityleastused":
    case "rplu":
      return POLICY_RANDOMIZED_PRIORITY_LEAST_USED;
    case "randomizedleastuseddegradation":
    case "rlud":
      return POLICY_RANDOMIZED_LEAST_USED_DEGRADATION;
    case "priorityleastuseddegradation":
    case "plud":
      return POLICY_PRIORITY_LEAST_USED_DEGRADATION;
    case "randomizedpriorityleastuseddegradation":
    case "rplud":
      return POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION;
    case "weightedrandomdpf":
    case "wrand-dpf":
      return POLICY_WEIGHTED_RANDOM_DPF;
    case "leastuseddpf":
    case "lu-dpf":
      return POLICY_LEAST_USED_DPF;
    case "leastuseddegradationdpf":
    case "lud-dpf":
      return POLICY_LEAST_USED_DEGRADATION_DPF;
    case "priorityleastuseddpf":
    case "plu-dpf":
      return POLICY_PRIORITY_LEAST_USED_DPF;
    case "priorityleastuseddegradationdpf":
    case "plud-dpf":
      return POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF;
  }
  return 0;
}

/** rsplib spelling of a policy type; "" when unknown. */
export function policyName(type: number): string {
  switch (type) {
    case POLICY_ROUND_ROBIN:
      return "RoundRobin";
    case POLICY_WEIGHTED_ROUND_ROBIN:
      return "WeightedRoundRobin";
    case POLICY_RANDOM:
      return "Random";
    case POLICY_WEIGHTED_RANDOM:
      return "WeightedRandom";
    case POLICY_PRIORITY:
      return "Priority";
    case POLICY_LEAST_USED:
      return "LeastUsed";
    case POLICY_LEAST_USED_DEGRADATION:
      return "LeastUsedDegradation";
    case POLICY_PRIORITY_LEAST_USED:
      return "PriorityLeastUsed";
    case POLICY_RANDOMIZED_LEAST_USED:
      return "RandomizedLeastUsed";
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
      return "RandomizedPriorityLeastUsed";
    case POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
      return "RandomizedLeastUsedDegradation";
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION:
      return "PriorityLeastUsedDegradation";
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      return "RandomizedPriorityLeastUsedDegradation";
    case POLICY_WEIGHTED_RANDOM_DPF:
      return "WeightedRandomDPF";
    case POLICY_LEAST_USED_DPF:
      return "LeastUsedDPF";
    case POLICY_LEAST_USED_DEGRADATION_DPF:
      return "LeastUsedDegradationDPF";
    case POLICY_PRIORITY_LEAST_USED_DPF:
      return "PriorityLeastUsedDPF";
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF:
      return "PriorityLeastUsedDegradationDPF";
  }
  return "";
}
