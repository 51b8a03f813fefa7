// The Least Used family (RFC 5356 s5, rsplib 0x4000xxxx, 0xb0001xxx,
// 0xb0002002 ... 0xb0002005): twelve policies that differ only in what they
// add to the load, how the sum picks a PE, and whether selections degrade.
// Value a = load; value b = load degradation (or, for LU-DPF, load DPF);
// value c = load DPF where b is the degradation. Default maxIncrement 1.
//
//   sum = load [+ load degradation (Priority)] [+ degradation (Degradation)]
//   sorting order:   lowest sum first, clamped to MAX; round robin among ties
//   randomized:      drawn with probability proportional to MAX - sum (at least
//                    1, so a fully loaded PE can still be drawn)
//   DPF:             lowest rint(sum + distance x load DPF) first (the penalty
//                    scaled as a fraction of MAX, clamped to MAX);
//                    draft-dreibholz-rserpool-delay, distance from the registrar
//   Degradation:     each consumed selection adds the load degradation to the
//                    PE's degradation (state); a re-registration resets it
//
// Priority Least Used takes the load degradation as a constant per PE, not
// accumulated (rsplib since its 2021 fix). Least Used with Degradation: rsplib
// also runs its update hook whenever it (re)links a PE into the selection
// tree, so there a fresh PE starts with one degradation step and each
// selection adds two; here degradation is exactly (load degradation) x
// (consumed selections since the last registration), as RFC 5356 s5.2 says.
// Randomized Least Used with Degradation: rsplib computes the weight from the
// degradation but never accumulates it (only its LUD/PLUD hooks do), so there
// it behaves like Randomized Least Used; here it degrades like LUD.
// PLU-DPF: rsplib's message code has no case for it; which fields go on the
// wire is the codec's business, the handlespace keeps these.
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
import {
  accumulateDegradation, basePolicy, clampedSum, clearDegradation, distanceOf, hasDegradation, penalizedKey,
  remainingFraction, setKey, stateOf, valueA, valueB, valueC, type PolicyModule, type PolicyStore,
} from "../policy.js";

/** Family members, as bits. */
export const LU_PRIORITY = 1;
export const LU_DEGRADATION = 2;
export const LU_RANDOMIZED = 4;
export const LU_DPF = 8;
const PRIORITY = LU_PRIORITY;
const DEGRADATION = LU_DEGRADATION;
const RANDOMIZED = LU_RANDOMIZED;
const DPF = LU_DPF;

export function leastUsedFamily(type: number, kind: number): PolicyModule {
  const randomized = (kind & RANDOMIZED) !== 0;
  const p = basePolicy(type, randomized, 1);
  const withB = (kind & (PRIORITY | DEGRADATION)) !== 0;
  p.fields_ = withB ? ["load", "loadDegradation"] : ["load"];
  function compute(s: PolicyStore, slot: number): void {
    const load = valueA(s, slot);
    const b = (kind & PRIORITY) !== 0 ? valueB(s, slot) : 0;
    const c = (kind & DEGRADATION) !== 0 ? stateOf(s, slot) : 0;
    let v: number;
    if ((kind & DPF) !== 0) v = penalizedKey(load + b + c, distanceOf(s, slot), withB ? valueC(s, slot) : valueB(s, slot));
    else v = randomized ? remainingFraction(load, b, c) : clampedSum(load, b, c);
    setKey(s, slot, v);
  }
  if (randomized) p.weight_ = compute;
  else p.key_ = compute;
  if ((kind & DPF) !== 0) {
    p.fields_.push("loadDpf");
    p.carriesDistance_ = true;
  }
  if ((kind & DEGRADATION) !== 0) {
    p.select_ = accumulateDegradation;
    p.dirty_ = hasDegradation;
    p.reset_ = clearDegradation;
  }
  return p;
}

export function leastUsed(): PolicyModule {
  return leastUsedFamily(POLICY_LEAST_USED, 0);
}

export function leastUsedDegradation(): PolicyModule {
  return leastUsedFamily(POLICY_LEAST_USED_DEGRADATION, DEGRADATION);
}

export function priorityLeastUsed(): PolicyModule {
  return leastUsedFamily(POLICY_PRIORITY_LEAST_USED, PRIORITY);
}

export function randomizedLeastUsed(): PolicyModule {
  return leastUsedFamily(POLICY_RANDOMIZED_LEAST_USED, RANDOMIZED);
}

export function randomizedPriorityLeastUsed(): PolicyModule {
  return leastUsedFamily(POLICY_RANDOMIZED_PRIORITY_LEAST_USED, RANDOMIZED | PRIORITY);
}

export function randomizedLeastUsedDegradation(): PolicyModule {
  return leastUsedFamily(POLICY_RANDOMIZED_LEAST_USED_DEGRADATION, RANDOMIZED | DEGRADATION);
}

export function priorityLeastUsedDegradation(): PolicyModule {
  return leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DEGRADATION, PRIORITY | DEGRADATION);
}

export function randomizedPriorityLeastUsedDegradation(): PolicyModule {
  return leastUsedFamily(POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION, RANDOMIZED | PRIORITY | DEGRADATION);
}

export function leastUsedDpf(): PolicyModule {
  return leastUsedFamily(POLICY_LEAST_USED_DPF, DPF);
}

export function leastUsedDegradationDpf(): PolicyModule {
  return leastUsedFamily(POLICY_LEAST_USED_DEGRADATION_DPF, DEGRADATION | DPF);
}

export function priorityLeastUsedDpf(): PolicyModule {
  return leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DPF, PRIORITY | DPF);
}

export function priorityLeastUsedDegradationDpf(): PolicyModule {
  return leastUsedFamily(POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF, PRIORITY | DEGRADATION | DPF);
}
