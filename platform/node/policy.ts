// Policy specifications as the tools and the Node API take them:
// "NAME[:a[:b]]" with NAME an rsplib spelling or short form (core/wire
// policyTypeByName, case-insensitive), e.g. "LeastUsed", "wrr:5",
// "Priority:3", "LeastUsedDegradation:0.05", "lu-dpf:10%".
//
// Arguments by policy:
//   WeightedRoundRobin, WeightedRandom       weight (integer)
//   Priority                                 priority (integer)
//   *Degradation, PriorityLeastUsed,
//   RandomizedPriorityLeastUsed              load degradation (fraction)
//   LeastUsedDPF                             load DPF (fraction)
//   LeastUsedDegradationDPF,
//   PriorityLeastUsed(Degradation)DPF        load degradation, load DPF
//   WeightedRandomDPF                        weight, weight DPF (fraction)
// Fractions are 0...1 or percentages ("5%"), scaled to 0...0xffffffff
// (RFC 5356 s3). The load itself is not given here: adaptive PEs report it.

import {
  POLICY_LEAST_USED_DEGRADATION,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_LEAST_USED_DPF,
  POLICY_PRIORITY,
  POLICY_PRIORITY_LEAST_USED,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
  POLICY_PRIORITY_LEAST_USED_DPF,
  POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_WEIGHTED_RANDOM,
  POLICY_WEIGHTED_RANDOM_DPF,
  POLICY_WEIGHTED_ROUND_ROBIN,
} from "../../core/wire/constants.js";
import { newPolicy } from "../../core/wire/build.js";
import { policyName, policyTypeByName } from "../../core/wire/policy-names.js";
import type { Policy } from "../../core/wire/types.js";

const FULL = 0xffffffff;

/**
 * Load-based ("adaptive") policies (RFC 5356 s5 and rsplib's 0xb000xxxx
 * ones except WeightedRandomDPF): their PEs report a load.
 */
export function isAdaptivePolicy(type: number): boolean {
  return (type >>> 0 >= 0x40000001 && type >>> 0 <= 0x40000004) || (type >>> 0 >= 0xb0001001 && type >>> 0 <= 0xb0001004) ||
    (type >>> 0 >= 0xb0002002 && type >>> 0 <= 0xb0002005);
}

function integer(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new TypeError(`policy ${what} '${text}' is not a non-negative integer`);
  const n = Number(text);
  if (n > FULL) throw new TypeError(`policy ${what} ${n} exceeds 2^32-1`);
  return n;
}

/** "0.05" or "5%" as a fraction of 0xffffffff. */
export function parseFraction(text: string, what: string): number {
  const percent = text.endsWith("%");
  const n = Number(percent ? text.slice(0, -1) : text);
  const value = percent ? n / 100 : n;
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new TypeError(`policy ${what} '${text}' is not a fraction 0...1 or a percentage`);
  return Math.round(value * FULL);
}

/** Parses "NAME[:a[:b]]"; throws TypeError naming what is wrong. */
export function parsePolicy(spec: string): Policy {
  const parts = spec.split(":");
  const type = policyTypeByName(parts[0].trim());
  if (type === 0) throw new TypeError(`unknown policy '${parts[0]}'`);
  const p = newPolicy(type);
  const args = parts.slice(1).map((a) => a.trim());
  const want = (n: number) => {
    if (args.length > n) throw new TypeError(`policy ${policyName(type)} takes at most ${n} argument(s)`);
  };
  switch (type) {
    case POLICY_WEIGHTED_ROUND_ROBIN:
    case POLICY_WEIGHTED_RANDOM:
      want(1);
      p.weight = args.length > 0 ? integer(args[0], "weight") : 1;
      break;
    case POLICY_PRIORITY:
      want(1);
      p.priority = args.length > 0 ? integer(args[0], "priority") : 0;
      break;
    case POLICY_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      want(1);
      if (args.length > 0) p.loadDegradation = parseFraction(args[0], "load degradation");
      break;
    case POLICY_LEAST_USED_DPF:
      want(1);
      if (args.length > 0) p.loadDpf = parseFraction(args[0], "load DPF");
      break;
    case POLICY_LEAST_USED_DEGRADATION_DPF:
    case POLICY_PRIORITY_LEAST_USED_DPF:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF:
      want(2);
      if (args.length > 0) p.loadDegradation = parseFraction(args[0], "load degradation");
      if (args.length > 1) p.loadDpf = parseFraction(args[1], "load DPF");
      break;
    case POLICY_WEIGHTED_RANDOM_DPF:
      want(2);
      p.weight = args.length > 0 ? integer(args[0], "weight") : 1;
      if (args.length > 1) p.weightDpf = parseFraction(args[1], "weight DPF");
      break;
    default:
      want(0);
  }
  return p;
}

function fraction(value: number): string {
  return `${Math.round((value / FULL) * 10000) / 100}%`;
}

/** Human-readable policy, e.g. "LeastUsed load 25%" or "WeightedRoundRobin weight 5". */
export function formatPolicy(p: Policy): string {
  const parts = [policyName(p.type)];
  if (p.weight !== 0) parts.push(`weight ${p.weight}`);
  if (p.priority !== 0) parts.push(`priority ${p.priority}`);
  if (isAdaptivePolicy(p.type)) parts.push(`load ${fraction(p.load)}`);
  if (p.loadDegradation !== 0) parts.push(`degradation ${fraction(p.loadDegradation)}`);
  if (p.loadDpf !== 0) parts.push(`load-dpf ${fraction(p.loadDpf)}`);
  if (p.weightDpf !== 0) parts.push(`weight-dpf ${fraction(p.weightDpf)}`);
  if (p.distance !== 0) parts.push(`distance ${p.distance} ms`);
  return parts.join(" ");
}
