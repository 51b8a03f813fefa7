// Decoder context: limits, the outcome of the last decode, and the TLV
// framing shared by every parameter (RFC 5354 s2). Decoding never throws:
// each check that fails records one WireError and the caller returns null.

import {
  ACTION_MASK,
  ACTION_SKIP,
  ACTION_STOP,
  ACTION_STOP_AND_REPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_UNRECOGNIZED_PARAMETER,
  CAUSE_UNSPECIFIED,
  PARAM_HANDLE_RESOLUTION_OPTION,
  PARAM_PE_CHECKSUM,
} from "./constants.js";
import {
  REASON_CONTAINER_EXCLUDES_PADDING,
  REASON_INTERNAL_ERROR,
  REASON_INVALID_BUFFER_RANGE,
  REASON_LENGTH_FIELD_MISMATCH,
  REASON_LENGTH_NOT_MULTIPLE_OF_4,
  REASON_NON_ZERO_PADDING,
  REASON_PARAMETER_LENGTH_BELOW_4,
  REASON_PARAMETER_LENGTH_EXCEEDS_CONTAINER,
  REASON_PARAMETER_PADDING_MISSING,
  REASON_RESERVED_FLAGS_SET,
  REASON_SHORTER_THAN_HEADER,
  REASON_TRUNCATED_PARAMETER_HEADER,
  REASON_UNRECOGNIZED_SKIPPED,
  REASON_UNRECOGNIZED_SKIPPED_AND_REPORTED,
  REASON_UNRECOGNIZED_STOP,
  REASON_UNRECOGNIZED_STOP_AND_REPORT,
} from "./reasons.js";

export interface WireError {
  /** RFC 5354 error cause to send back (CAUSE_*). */
  cause: number;
  /** Byte offset from the start of the message where it went wrong. */
  offset: number;
  /** REASON_* (reasons.ts; English in reason-text.ts). */
  reason: number;
  /** Bytes to carry in the cause (the offending TLV / message), or null. */
  info: Uint8Array | null;
  /** False for the silent "stop" action bits (RFC 5354 s2): drop, send nothing. */
  report: boolean;
}

/** A non-fatal deviation. */
export interface Problem {
  offset: number;
  /** REASON_* (reasons.ts; English in reason-text.ts). */
  reason: number;
  /** CAUSE_UNRECOGNIZED_PARAMETER for skip-and-report, else CAUSE_UNSPECIFIED. */
  cause: number;
  /** Skip-and-report: the unknown TLV bytes to report in an ERROR. */
  info: Uint8Array | null;
}

export interface Decoder {
  /** Longest pool handle accepted (default 255). */
  maxPoolHandleLength: number;
  /** Addresses per transport parameter (default 64). */
  maxAddresses: number;
  /** Pool elements per message (default 1024). */
  maxPoolElements: number;
  /** Nesting of carried messages and container parameters inside error causes (default 8). */
  maxNestingDepth: number;
  /** Set when the last decode returned null. */
  error: WireError | null;
  /** Non-fatal deviations of the last decode (cleared per decode). */
  problems: Problem[];
  /** Offset of the message being decoded: error offsets are relative to it. */
  base_: number;
  /** True while decoding ENRP (0x803f is an ASAP-only parameter). */
  enrp_: boolean;
  /** Pool elements decoded so far in this message. */
  count_: number;
}

export function createDecoder(): Decoder {
  return {
    maxPoolHandleLength: 255,
    maxAddresses: 64,
    maxPoolElements: 1024,
    maxNestingDepth: 8,
    error: null,
    problems: [],
    base_: 0,
    enrp_: false,
    count_: 0,
  };
}

/** Resets the per-decode state; false (with an error) when the range is unusable. */
export function startDecode(d: Decoder, bytes: Uint8Array, offset: number, length: number, enrp: boolean): boolean {
  d.error = null;
  d.problems.length = 0;
  d.base_ = 0;
  d.enrp_ = enrp;
  d.count_ = 0;
  if (
    bytes === null ||
    typeof bytes !== "object" ||
    typeof bytes.subarray !== "function" ||
    typeof bytes.length !== "number" ||
    typeof offset !== "number" ||
    typeof length !== "number" ||
    !(offset >= 0) ||
    !(length >= 0) ||
    offset % 1 !== 0 ||
    length % 1 !== 0 ||
    offset + length > bytes.length
  ) {
    d.error = { cause: CAUSE_UNSPECIFIED, offset: 0, reason: REASON_INVALID_BUFFER_RANGE, info: null, report: false };
    return false;
  }
  d.base_ = offset;
  return true;
}

/** Last-resort guard: a decoder bug must still end as a structured error. */
export function internalError(d: Decoder): null {
  d.error = { cause: CAUSE_UNSPECIFIED, offset: 0, reason: REASON_INTERNAL_ERROR, info: null, report: false };
  return null;
}

/** Records the (first) error; `at` is an absolute offset into the input. */
export function fail(d: Decoder, cause: number, at: number, reason: number, info: Uint8Array | null, report: boolean): null {
  if (d.error === null) {
    d.error = { cause: cause, offset: at - d.base_, reason: reason, info: info, report: report };
  }
  return null;
}

/** Same as fail, for callers that return a position. */
export function failAt(d: Decoder, cause: number, at: number, reason: number, info: Uint8Array | null, report: boolean): number {
  fail(d, cause, at, reason, info, report);
  return -1;
}

export function problem(d: Decoder, at: number, reason: number, cause: number, info: Uint8Array | null): void {
  d.problems.push({ offset: at - d.base_, reason: reason, cause: cause, info: info });
}

export function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

export function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

export function i32(b: Uint8Array, p: number): number {
  return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
}

/** Offset just after the (padded) TLV at p; may pass its container's end by shared padding. */
export function after(b: Uint8Array, p: number): number {
  return p + ((u16(b, p + 2) + 3) & ~3);
}

/** The TLV at p as declared (header + value, no padding). */
export function tlvBytes(b: Uint8Array, p: number): Uint8Array {
  return b.subarray(p, p + u16(b, p + 2));
}

// What a framing check is about, for its reason.
export const FRAME_PARAMETER = 0;
export const FRAME_CAUSE = 1;
/** The one TLV an error cause carries: it ends the cause, whose padding it shares. */
export const FRAME_CAUSE_INFO = 2;

/**
 * Checks the framing of the TLV (parameter or error cause) at p inside a
 * container [.., end): header present, length >= 4, inside the container,
 * padding present and zero (RFC 5354 s2). The last TLV's padding may be the
 * container's own padding (end < its padded end <= endPadded). Returns the
 * TLV length, or -1 after an error.
 */
export function checkTlv(d: Decoder, b: Uint8Array, p: number, end: number, endPadded: number, what: number): number {
  // The error cause variants of the framing reasons are 4 higher (reasons.ts).
  const shift = what === FRAME_CAUSE ? 4 : 0;
  if (end - p < 4) {
    return failAt(d, CAUSE_INVALID_VALUES, p, REASON_TRUNCATED_PARAMETER_HEADER + shift, b.subarray(p, end), true);
  }
  const len = u16(b, p + 2);
  if (len < 4) {
    return failAt(d, CAUSE_INVALID_VALUES, p, REASON_PARAMETER_LENGTH_BELOW_4 + shift, b.subarray(p, p + 4), true);
  }
  if (len > end - p) {
    return failAt(d, CAUSE_INVALID_VALUES, p, REASON_PARAMETER_LENGTH_EXCEEDS_CONTAINER + shift, b.subarray(p, end), true);
  }
  const padded = p + ((len + 3) & ~3);
  let padEnd = padded;
  if (padded > end) {
    if (padded > endPadded) {
      return failAt(d, CAUSE_INVALID_VALUES, p + len, REASON_PARAMETER_PADDING_MISSING + shift, b.subarray(p, p + len), true);
    }
    // Shared with the container's padding, which its parent checks. That is
    // right for a cause's carried TLV; a parameter container should count its
    // last parameter's padding (RFC 5354 s2), which rsplib does not: accepted,
    // but a deviation we re-encode differently.
    if (what !== FRAME_CAUSE_INFO) {
      problem(d, end, REASON_CONTAINER_EXCLUDES_PADDING, CAUSE_UNSPECIFIED, null);
    }
    padEnd = end;
  }
  let i = p + len;
  while (i < padEnd) {
    if (b[i] !== 0) {
      problem(d, i, REASON_NON_ZERO_PADDING, CAUSE_UNSPECIFIED, null);
      break;
    }
    i++;
  }
  return len;
}

/** Parameter types this decoder understands (full 16-bit type, action bits included). */
export function isKnownParameter(d: Decoder, type: number): boolean {
  if (type >= 1 && type <= PARAM_PE_CHECKSUM) {
    return true;
  }
  return type === PARAM_HANDLE_RESOLUTION_OPTION && !d.enrp_;
}

/**
 * Finds the next known parameter at or after p in [p, end). Unknown ones are
 * handled by their action bits (RFC 5354 s2): stop (silent) and
 * stop-and-report fail, skip and skip-and-report continue; skip-and-report
 * leaves a Problem carrying the TLV to report. Returns the parameter's
 * offset, `end` when none is left, or -1 after an error.
 */
export function nextParam(d: Decoder, b: Uint8Array, p: number, end: number, endPadded: number): number {
  while (p < end) {
    const len = checkTlv(d, b, p, end, endPadded, FRAME_PARAMETER);
    if (len < 0) {
      return -1;
    }
    const type = u16(b, p);
    if (isKnownParameter(d, type)) {
      return p;
    }
    const info = b.subarray(p, p + len);
    const action = type & ACTION_MASK;
    if (action === ACTION_STOP) {
      return failAt(d, CAUSE_UNRECOGNIZED_PARAMETER, p, REASON_UNRECOGNIZED_STOP, info, false);
    }
    if (action === ACTION_STOP_AND_REPORT) {
      return failAt(d, CAUSE_UNRECOGNIZED_PARAMETER, p, REASON_UNRECOGNIZED_STOP_AND_REPORT, info, true);
    }
    if (action === ACTION_SKIP) {
      problem(d, p, REASON_UNRECOGNIZED_SKIPPED, CAUSE_UNSPECIFIED, null);
    } else {
      problem(d, p, REASON_UNRECOGNIZED_SKIPPED_AND_REPORTED, CAUSE_UNRECOGNIZED_PARAMETER, info);
    }
    p = p + ((len + 3) & ~3);
  }
  return end;
}

/**
 * Common header (RFC 5352 s2.2, RFC 5353 s2): type, flags, length. The
 * length field must equal the given length, a multiple of 4 (every
 * parameter is padded, RFC 5354 s2).
 */
export function checkMessageHeader(d: Decoder, b: Uint8Array, offset: number, length: number): boolean {
  if (length < 4) {
    fail(d, CAUSE_UNSPECIFIED, offset, REASON_SHORTER_THAN_HEADER, null, true);
    return false;
  }
  if (u16(b, offset + 2) !== length) {
    fail(d, CAUSE_UNSPECIFIED, offset + 2, REASON_LENGTH_FIELD_MISMATCH, null, true);
    return false;
  }
  if ((length & 3) !== 0) {
    fail(d, CAUSE_UNSPECIFIED, offset + 2, REASON_LENGTH_NOT_MULTIPLE_OF_4, null, true);
    return false;
  }
  return true;
}

/** Flags other than `defined` are reserved: sent as 0, reported when set. */
export function checkFlags(d: Decoder, b: Uint8Array, offset: number, defined: number): void {
  if ((b[offset + 1] & ~defined) !== 0) {
    problem(d, offset + 1, REASON_RESERVED_FLAGS_SET, CAUSE_UNSPECIFIED, null);
  }
}
