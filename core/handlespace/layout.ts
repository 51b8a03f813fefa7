// The PE record: RECORD_WORDS 32-bit words per PE, one record after the
// other in one Int32Array (with Uint32Array and Float64Array views of the
// same buffer for the unsigned fields and the key). A PE's hot fields share one or two cache lines, so a
// lookup or re-registration touches a couple of lines instead of one per
// field: on large tables memory latency, not instructions, is the cost.
// The record of PE `ref` starts at word ref * RECORD_WORDS.

export const RECORD_WORDS = 24;

/** PE identifier (uint32). */
export const F_ID = 0;
/** Pool index; -1 for a free slot. */
export const F_POOL = 1;
/** Next slot in the identifier hash chain (or the free list); -1 for none. */
export const F_NEXT = 2;
/** flags (bits 0-7) | timer code (8-15) | unreachability reports (16-31). */
export const F_FLAGS = 3;
/** Policy values a, b, c (policy.ts). */
export const F_PA = 4;
export const F_PB = 5;
export const F_PC = 6;
/** Policy state: degradation, or WRR round. */
export const F_STATE = 7;
/** Policy state: WRR virtual counter, or position in a randomized pool. */
export const F_AUX = 8;
/** Sequence number (sorting-order pools). */
export const F_SEQ = 9;
/** DPF distance (ms). */
export const F_DISTANCE = 10;
/** Owner registrar identifier. */
export const F_OWNER = 11;
/** User transport: parameter type (bits 0-7) | transport use (8-15) | port (16-31). */
export const F_USER = 12;
/** User addresses: arena offset, or the IPv4 address itself when stored inline. */
export const F_USER_ADDRESSES = 13;
/** Address counts: user (bits 0-7) | ASAP (8-15). */
export const F_COUNTS = 14;
/** Home registrar identifier (from the PE parameter). */
export const F_HOME = 15;
/** Registration life (ms, signed). */
export const F_LIFE = 16;
/** Association (0 = none) and its doubly linked list. */
export const F_ASSOCIATION = 17;
export const F_ASSOCIATION_NEXT = 18;
export const F_ASSOCIATION_PREVIOUS = 19;
/** ASAP transport, as F_USER / F_USER_ADDRESSES (each addresses word follows its head word: the handlespace relies on it). */
export const F_ASAP = 20;
export const F_ASAP_ADDRESSES = 21;
/**
 * Words 22-23: the PE's sorting key or weight as a float64 (read through a
 * Float64Array view at index (ref * RECORD_WORDS + F_KEY) / 2; RECORD_WORDS
 * and F_KEY are even). Policies store it; the pool engine only reads it, so
 * a PE is always found and removed with the key it was inserted with, and no
 * number crosses a call boundary (where V8 would box it).
 */
export const F_KEY = 22;

/** Flag bits (F_FLAGS bits 0-7). */
export const FLAG_HOME = 1;
export const FLAG_ASAP = 2;
export const FLAG_USER_INLINE = 4;
export const FLAG_ASAP_INLINE = 8;
