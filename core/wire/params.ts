// Parameters shared by ASAP and ENRP (RFC 5354 s3), policies (RFC 5356 and
// rsplib's extensions): decoding from a validated TLV position, encoding
// into a Writer.

import {
  CAUSE_INCONSISTENT_POLICY,
  CAUSE_INCONSISTENT_TRANSPORT,
  CAUSE_INVALID_VALUES,
  CAUSE_LACK_OF_RESOURCES,
  CAUSE_UNRECOGNIZED_MESSAGE,
  CAUSE_UNRECOGNIZED_PARAMETER,
  CAUSE_UNSPECIFIED,
  ENRP_HANDLE_UPDATE,
  ENRP_INIT_TAKEOVER,
  ENRP_INIT_TAKEOVER_ACK,
  ENRP_TAKEOVER_SERVER,
  ENRP_PRESENCE,
  ENRP_ERROR,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_SERVER_ANNOUNCE,
  ASAP_REGISTRATION,
  ASAP_ERROR,
  PARAM_COOKIE,
  PARAM_DCCP_TRANSPORT,
  PARAM_IPV4_ADDRESS,
  PARAM_IPV6_ADDRESS,
  PARAM_OPERATION_ERROR,
  PARAM_PE_CHECKSUM,
  PARAM_PE_IDENTIFIER,
  PARAM_POLICY,
  PARAM_POOL_ELEMENT,
  PARAM_POOL_HANDLE,
  PARAM_SCTP_TRANSPORT,
  PARAM_SERVER_INFORMATION,
  PARAM_TCP_TRANSPORT,
  PARAM_UDP_LITE_TRANSPORT,
  PARAM_UDP_TRANSPORT,
  POLICY_LEAST_USED,
  POLICY_LEAST_USED_DEGRADATION,
  POLICY_LEAST_USED_DEGRADATION_DPF,
  POLICY_LEAST_USED_DPF,
  POLICY_PRIORITY,
  POLICY_PRIORITY_LEAST_USED,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF,
  POLICY_PRIORITY_LEAST_USED_DPF,
  POLICY_RANDOM,
  POLICY_RANDOMIZED_LEAST_USED,
  POLICY_RANDOMIZED_LEAST_USED_DEGRADATION,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED,
  POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION,
  POLICY_ROUND_ROBIN,
  POLICY_WEIGHTED_RANDOM,
  POLICY_WEIGHTED_RANDOM_DPF,
  POLICY_WEIGHTED_ROUND_ROBIN,
  TRANSPORT_USE_DATA_PLUS_CONTROL,
} from "./constants.js";
import {
  after,
  checkTlv,
  FRAME_CAUSE_INFO,
  fail,
  FRAME_CAUSE,
  FRAME_PARAMETER,
  i32,
  nextParam,
  problem,
  tlvBytes,
  u16,
  u32,
} from "./decoder.js";
import type { Decoder } from "./decoder.js";
import {
  REASON_BAD_MESSAGE_LENGTH_IN_CAUSE,
  REASON_CAUSE_WITHOUT_POLICY,
  REASON_CAUSE_WITHOUT_TRANSPORT,
  REASON_EMPTY_COOKIE,
  REASON_EMPTY_POOL_HANDLE,
  REASON_IPV4_LENGTH,
  REASON_IPV6_LENGTH,
  REASON_MALFORMED_IN_CAUSE,
  REASON_MISSING,
  REASON_NESTING_TOO_DEEP,
  REASON_OPERATION_ERROR_WITHOUT_CAUSES,
  REASON_POLICY_LENGTH,
  REASON_POLICY_TOO_SHORT,
  REASON_POLICY_WITHOUT_DEGRADATION,
  REASON_POOL_ELEMENT_TOO_SHORT,
  REASON_POOL_ELEMENT_WITHOUT_ASAP_TRANSPORT,
  REASON_POOL_HANDLE_TOO_LONG,
  REASON_RESERVED_FIELD_SET,
  REASON_SERVER_INFORMATION_TOO_SHORT,
  REASON_SINGLE_HOMED_ADDRESSES,
  REASON_TOO_MANY_ADDRESSES,
  REASON_TOO_MANY_POOL_ELEMENTS,
  REASON_TRAILING_BYTES_IN_CAUSE,
  REASON_TRANSPORT_TOO_SHORT,
  REASON_TRANSPORT_WITHOUT_ADDRESS,
  REASON_TRUNCATED_MESSAGE_IN_CAUSE,
  REASON_UNEXPECTED_IN_TRANSPORT,
  REASON_UNEXPECTED_PARAMETER,
  REASON_UNKNOWN_POLICY_TYPE,
  REASON_UNKNOWN_TRANSPORT_USE,
} from "./reasons.js";
import {
  newErrorCause,
  newOperationError,
  newPolicy,
  newPoolElement,
  newRawParameter,
  newServerInformation,
  newTransport,
} from "./build.js";
import type {
  Address,
  ErrorCause,
  OperationError,
  Policy,
  PoolElement,
  ServerInformation,
  Transport,
} from "./types.js";
import { beginTlv, cannotEncode, endTlv, patchU16, writeBytes, writePadding, writeU16, writeU32, MAX_LENGTH } from "./writer.js";
import type { Writer } from "./writer.js";

/** Content-model wildcard for need(): any of the five transport parameters (REASON_MISSING + it = REASON_MISSING_TRANSPORT). */
export const ANY_TRANSPORT = -1;

export function isTransportType(type: number): boolean {
  return type >= PARAM_DCCP_TRANSPORT && type <= PARAM_UDP_LITE_TRANSPORT;
}

/** Fails for the TLV at p with CAUSE_INVALID_VALUES, carrying the TLV. */
function invalid(d: Decoder, b: Uint8Array, p: number, reason: number): null {
  return fail(d, CAUSE_INVALID_VALUES, p, reason, tlvBytes(b, p), true);
}

/** The reason for a parameter a content model asks for but does not find (reasons.ts). */
export function missingReason(type: number): number {
  return REASON_MISSING + type; // ANY_TRANSPORT (-1): REASON_MISSING_TRANSPORT
}

/**
 * A content model wants `type` at q (q from nextParam). True when it is
 * there; otherwise records "missing ..." (q at the end) or "unexpected
 * parameter" and returns false.
 */
export function need(d: Decoder, b: Uint8Array, q: number, end: number, type: number): boolean {
  if (q < 0) {
    return false;
  }
  if (q < end) {
    const t = u16(b, q);
    if (t === type || (type === ANY_TRANSPORT && isTransportType(t))) {
      return true;
    }
    invalid(d, b, q, REASON_UNEXPECTED_PARAMETER);
    return false;
  }
  fail(d, CAUSE_INVALID_VALUES, end, missingReason(type), null, true);
  return false;
}

/** True when q is a parameter of `type` (optional items of a content model). */
export function at(b: Uint8Array, q: number, end: number, type: number): boolean {
  return q >= 0 && q < end && u16(b, q) === type;
}

/** The content model is complete at q: nothing known may follow. */
export function done(d: Decoder, b: Uint8Array, q: number, end: number): boolean {
  if (q < 0) {
    return false;
  }
  if (q < end) {
    invalid(d, b, q, REASON_UNEXPECTED_PARAMETER);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- decoding

/** Pool Handle (RFC 5354 s3.9): 1..maxPoolHandleLength opaque bytes, a view. */
export function decodePoolHandle(d: Decoder, b: Uint8Array, p: number): Uint8Array | null {
  const n = u16(b, p + 2) - 4;
  if (n < 1) {
    return invalid(d, b, p, REASON_EMPTY_POOL_HANDLE);
  }
  if (n > d.maxPoolHandleLength) {
    return invalid(d, b, p, REASON_POOL_HANDLE_TOO_LONG);
  }
  return b.subarray(p + 4, p + 4 + n);
}

/** IPv4 (RFC 5354 s3.1) or IPv6 (s3.2) address parameter: a 4- or 16-byte view. */
function decodeAddressParameter(d: Decoder, b: Uint8Array, p: number): Address | null {
  const type = u16(b, p);
  const len = u16(b, p + 2);
  if (type === PARAM_IPV4_ADDRESS) {
    if (len !== 8) {
      return invalid(d, b, p, REASON_IPV4_LENGTH);
    }
  } else if (len !== 20) {
    return invalid(d, b, p, REASON_IPV6_LENGTH);
  }
  return b.subarray(p + 4, p + len);
}

/**
 * DCCP, SCTP, TCP, UDP or UDP-Lite transport (RFC 5354 s3.3-s3.7): port,
 * transport use or reserved (DCCP: reserved + service code), then address
 * parameters: one, or 1..maxAddresses for SCTP (multi-homed).
 */
export function decodeTransport(d: Decoder, b: Uint8Array, p: number): Transport | null {
  const type = u16(b, p);
  const len = u16(b, p + 2);
  const end = p + len;
  const endPadded = p + ((len + 3) & ~3);
  const fixed = type === PARAM_DCCP_TRANSPORT ? 8 : 4;
  if (len - 4 < fixed) {
    return invalid(d, b, p, REASON_TRANSPORT_TOO_SHORT);
  }
  const port = u16(b, p + 4);
  const field = u16(b, p + 6);
  let transportUse = 0;
  if (type === PARAM_SCTP_TRANSPORT || type === PARAM_TCP_TRANSPORT) {
    // RFC 5354 s3.4/s3.5: 0 = data only, 1 = data plus control.
    if (field > TRANSPORT_USE_DATA_PLUS_CONTROL) {
      return invalid(d, b, p, REASON_UNKNOWN_TRANSPORT_USE);
    }
    transportUse = field;
  } else if (field !== 0) {
    problem(d, p + 6, REASON_RESERVED_FIELD_SET, CAUSE_UNSPECIFIED, null);
  }
  const serviceCode = type === PARAM_DCCP_TRANSPORT ? u32(b, p + 8) : 0;
  const addresses: Address[] = [];
  let q = nextParam(d, b, p + 4 + fixed, end, endPadded);
  while (q >= 0 && q < end) {
    const t = u16(b, q);
    if (t !== PARAM_IPV4_ADDRESS && t !== PARAM_IPV6_ADDRESS) {
      return invalid(d, b, q, REASON_UNEXPECTED_IN_TRANSPORT);
    }
    if (addresses.length >= d.maxAddresses) {
      return fail(d, CAUSE_LACK_OF_RESOURCES, q, REASON_TOO_MANY_ADDRESSES, tlvBytes(b, p), true);
    }
    const address = decodeAddressParameter(d, b, q);
    if (address === null) {
      return null;
    }
    addresses.push(address);
    q = nextParam(d, b, after(b, q), end, endPadded);
  }
  if (q < 0) {
    return null;
  }
  if (addresses.length === 0) {
    return invalid(d, b, p, REASON_TRANSPORT_WITHOUT_ADDRESS);
  }
  if (type !== PARAM_SCTP_TRANSPORT && addresses.length > 1) {
    return invalid(d, b, p, REASON_SINGLE_HOMED_ADDRESSES);
  }
  const transport = newTransport(type, port, transportUse, addresses);
  transport.serviceCode = serviceCode;
  return transport;
}

/**
 * Bytes of policy-specific data after the 32-bit policy type; -1 when the
 * type is unknown. RFC 5356 s4/s5; rsplib's 0xb000xxxx from its
 * rserpoolmessage.h (WRAND-DPF: weight, weight DPF, distance; LU-DPF: load,
 * load DPF, distance; LUD-DPF: load, load degradation, load DPF, distance).
 * PLU-DPF and PLUD-DPF have no rsplib encoding: ours is the LUD-DPF layout.
 */
export function policyValueLength(type: number): number {
  switch (type) {
    case POLICY_ROUND_ROBIN:
    case POLICY_RANDOM:
      return 0;
    case POLICY_WEIGHTED_ROUND_ROBIN:
    case POLICY_WEIGHTED_RANDOM:
    case POLICY_PRIORITY:
    case POLICY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED:
      return 4;
    case POLICY_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      return 8;
    case POLICY_WEIGHTED_RANDOM_DPF:
    case POLICY_LEAST_USED_DPF:
      return 12;
    case POLICY_LEAST_USED_DEGRADATION_DPF:
    case POLICY_PRIORITY_LEAST_USED_DPF:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF:
      return 16;
  }
  return -1;
}

/** Pool Member Selection Policy (RFC 5354 s3.8): 32-bit type + its fields. */
export function decodePolicy(d: Decoder, b: Uint8Array, p: number): Policy | null {
  const len = u16(b, p + 2);
  if (len < 8) {
    return invalid(d, b, p, REASON_POLICY_TOO_SHORT);
  }
  const type = u32(b, p + 4);
  const n = policyValueLength(type);
  if (n < 0) {
    return invalid(d, b, p, REASON_UNKNOWN_POLICY_TYPE);
  }
  const policy = newPolicy(type);
  const v = p + 8;
  if (len - 8 !== n) {
    // rsplib before 2021 sent PLU and RPLU with the load only.
    if (len === 12 && (type === POLICY_PRIORITY_LEAST_USED || type === POLICY_RANDOMIZED_PRIORITY_LEAST_USED)) {
      policy.load = u32(b, v);
      problem(d, p, REASON_POLICY_WITHOUT_DEGRADATION, CAUSE_UNSPECIFIED, null);
      return policy;
    }
    return invalid(d, b, p, REASON_POLICY_LENGTH);
  }
  switch (type) {
    case POLICY_WEIGHTED_ROUND_ROBIN:
    case POLICY_WEIGHTED_RANDOM:
      policy.weight = u32(b, v);
      break;
    case POLICY_PRIORITY:
      policy.priority = u32(b, v);
      break;
    case POLICY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED:
      policy.load = u32(b, v);
      break;
    case POLICY_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      policy.load = u32(b, v);
      policy.loadDegradation = u32(b, v + 4);
      break;
    case POLICY_WEIGHTED_RANDOM_DPF:
      policy.weight = u32(b, v);
      policy.weightDpf = u32(b, v + 4);
      policy.distance = u32(b, v + 8);
      break;
    case POLICY_LEAST_USED_DPF:
      policy.load = u32(b, v);
      policy.loadDpf = u32(b, v + 4);
      policy.distance = u32(b, v + 8);
      break;
    case POLICY_LEAST_USED_DEGRADATION_DPF:
    case POLICY_PRIORITY_LEAST_USED_DPF:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF:
      policy.load = u32(b, v);
      policy.loadDegradation = u32(b, v + 4);
      policy.loadDpf = u32(b, v + 8);
      policy.distance = u32(b, v + 12);
      break;
  }
  return policy;
}

/**
 * Pool Element (RFC 5354 s3.10): PE id, home registrar id, registration
 * life, then user transport, policy and an optional ASAP transport, which
 * ENRP requires (RFC 5353 s2.3/s2.4; rsplib rejects ENRP PEs without it).
 */
export function decodePoolElement(d: Decoder, b: Uint8Array, p: number): PoolElement | null {
  const len = u16(b, p + 2);
  const end = p + len;
  const endPadded = p + ((len + 3) & ~3);
  if (len < 16) {
    return invalid(d, b, p, REASON_POOL_ELEMENT_TOO_SHORT);
  }
  let q = nextParam(d, b, p + 16, end, endPadded);
  if (!need(d, b, q, end, ANY_TRANSPORT)) {
    return null;
  }
  const userTransport = decodeTransport(d, b, q);
  if (userTransport === null) {
    return null;
  }
  q = nextParam(d, b, after(b, q), end, endPadded);
  if (!need(d, b, q, end, PARAM_POLICY)) {
    return null;
  }
  const policy = decodePolicy(d, b, q);
  if (policy === null) {
    return null;
  }
  q = nextParam(d, b, after(b, q), end, endPadded);
  let asapTransport: Transport | null = null;
  if (q >= 0 && q < end && isTransportType(u16(b, q))) {
    asapTransport = decodeTransport(d, b, q);
    if (asapTransport === null) {
      return null;
    }
    q = nextParam(d, b, after(b, q), end, endPadded);
  }
  if (!done(d, b, q, end)) {
    return null;
  }
  if (d.enrp_ && asapTransport === null) {
    return invalid(d, b, p, REASON_POOL_ELEMENT_WITHOUT_ASAP_TRANSPORT);
  }
  return newPoolElement(u32(b, p + 4), u32(b, p + 8), i32(b, p + 12), userTransport, policy, asapTransport);
}

/** Server Information (RFC 5354 s3.11): server id + one transport parameter. */
export function decodeServerInformation(d: Decoder, b: Uint8Array, p: number): ServerInformation | null {
  const len = u16(b, p + 2);
  const end = p + len;
  const endPadded = p + ((len + 3) & ~3);
  if (len < 8) {
    return invalid(d, b, p, REASON_SERVER_INFORMATION_TOO_SHORT);
  }
  let q = nextParam(d, b, p + 8, end, endPadded);
  if (!need(d, b, q, end, ANY_TRANSPORT)) {
    return null;
  }
  const transport = decodeTransport(d, b, q);
  if (transport === null) {
    return null;
  }
  q = nextParam(d, b, after(b, q), end, endPadded);
  if (!done(d, b, q, end)) {
    return null;
  }
  return newServerInformation(u32(b, p + 4), transport);
}

/**
 * Fixed fields after the 4-byte header of a message type (RFC 5352 s2.2.7,
 * s2.2.10; RFC 5353 s2); -1 for a type this side does not know.
 */
export function messageFixedLength(enrp: boolean, type: number): number {
  if (enrp) {
    if (type < ENRP_PRESENCE || type > ENRP_ERROR) {
      return -1;
    }
    if (type === ENRP_HANDLE_UPDATE || type === ENRP_INIT_TAKEOVER || type === ENRP_INIT_TAKEOVER_ACK || type === ENRP_TAKEOVER_SERVER) {
      return 12;
    }
    return 8;
  }
  if (type < ASAP_REGISTRATION || type > ASAP_ERROR) {
    return -1;
  }
  return type === ASAP_ENDPOINT_KEEP_ALIVE || type === ASAP_SERVER_ANNOUNCE ? 4 : 0;
}

function tooDeep(d: Decoder, at: number): boolean {
  fail(d, CAUSE_INVALID_VALUES, at, REASON_NESTING_TOO_DEEP, null, true);
  return false;
}

// Framing-only walk of what error causes carry: containers are entered,
// values are not interpreted, recursion is capped by maxNestingDepth.

function walkList(d: Decoder, b: Uint8Array, p: number, end: number, endPadded: number, depth: number): boolean {
  while (p < end) {
    const len = checkTlv(d, b, p, end, endPadded, FRAME_PARAMETER);
    if (len < 0 || !walkParameter(d, b, p, depth + 1)) {
      return false;
    }
    p = p + ((len + 3) & ~3);
  }
  return true;
}

function walkParameter(d: Decoder, b: Uint8Array, p: number, depth: number): boolean {
  const type = u16(b, p);
  const len = u16(b, p + 2);
  let fixed: number;
  switch (type) {
    case PARAM_DCCP_TRANSPORT:
      fixed = 8;
      break;
    case PARAM_SCTP_TRANSPORT:
    case PARAM_TCP_TRANSPORT:
    case PARAM_UDP_TRANSPORT:
    case PARAM_UDP_LITE_TRANSPORT:
    case PARAM_SERVER_INFORMATION:
      fixed = 4;
      break;
    case PARAM_POOL_ELEMENT:
      fixed = 12;
      break;
    case PARAM_OPERATION_ERROR:
      fixed = 0;
      break;
    default:
      return true; // a leaf: opaque here
  }
  if (depth > d.maxNestingDepth) {
    return tooDeep(d, p);
  }
  if (len - 4 < fixed) {
    invalid(d, b, p, REASON_MALFORMED_IN_CAUSE);
    return false;
  }
  const endPadded = p + ((len + 3) & ~3);
  if (type === PARAM_OPERATION_ERROR) {
    return walkCauses(d, b, p + 4, p + len, endPadded, depth);
  }
  return walkList(d, b, p + 4 + fixed, p + len, endPadded, depth);
}

function walkCauses(d: Decoder, b: Uint8Array, p: number, end: number, endPadded: number, depth: number): boolean {
  while (p < end) {
    const len = checkTlv(d, b, p, end, endPadded, FRAME_CAUSE);
    if (len < 0) {
      return false;
    }
    if (len > 4) {
      const code = u16(b, p);
      const padded = p + ((len + 3) & ~3);
      if (code === CAUSE_UNRECOGNIZED_MESSAGE) {
        if (!walkMessage(d, b, p + 4, p + len, depth + 1)) {
          return false;
        }
      } else if (carriesParameter(code)) {
        if (!walkList(d, b, p + 4, p + len, padded, depth)) {
          return false;
        }
      }
    }
    p = p + ((len + 3) & ~3);
  }
  return true;
}

/** A message carried by an Unrecognized Message cause: framing checked, body walked. */
function walkMessage(d: Decoder, b: Uint8Array, s: number, e: number, depth: number): boolean {
  if (depth > d.maxNestingDepth) {
    return tooDeep(d, s);
  }
  const len = e - s;
  if (len < 4) {
    fail(d, CAUSE_INVALID_VALUES, s, REASON_TRUNCATED_MESSAGE_IN_CAUSE, b.subarray(s, e), true);
    return false;
  }
  if (u16(b, s + 2) !== len || (len & 3) !== 0) {
    fail(d, CAUSE_INVALID_VALUES, s, REASON_BAD_MESSAGE_LENGTH_IN_CAUSE, b.subarray(s, e), true);
    return false;
  }
  let fixed = messageFixedLength(d.enrp_, b[s]);
  if (fixed < 0) {
    // Unknown to us too: an ASAP body is taken as parameters, an ENRP one
    // (ids first, then who knows) as opaque, as Wireshark does.
    if (d.enrp_) {
      return true;
    }
    fixed = 0;
  }
  if (len < 4 + fixed) {
    fail(d, CAUSE_INVALID_VALUES, s, REASON_TRUNCATED_MESSAGE_IN_CAUSE, b.subarray(s, e), true);
    return false;
  }
  return walkList(d, b, s + 4 + fixed, e, e, depth);
}

/** Causes whose information is one parameter (RFC 5354 s3.12). */
function carriesParameter(code: number): boolean {
  return (
    code === CAUSE_UNRECOGNIZED_PARAMETER ||
    code === CAUSE_INVALID_VALUES ||
    code === CAUSE_INCONSISTENT_POLICY ||
    code === CAUSE_INCONSISTENT_TRANSPORT
  );
}

/**
 * One error cause (RFC 5354 s3.12). Causes 0x1, 0x3, 0x5, 0x7 carry one
 * parameter (0x5 a policy, 0x7 a transport, decoded), 0x2 a whole message;
 * empty information is accepted (rsplib sends 0x2 and 0x3 without it).
 */
function decodeCause(d: Decoder, b: Uint8Array, q: number, len: number, depth: number): ErrorCause | null {
  const code = u16(b, q);
  const cause = newErrorCause(code, b.subarray(q + 4, q + len));
  if (len === 4) {
    return cause;
  }
  if (code === CAUSE_UNRECOGNIZED_MESSAGE) {
    if (!walkMessage(d, b, q + 4, q + len, depth + 1)) {
      return null;
    }
    cause.messageType = b[q + 4];
    cause.messageFlags = b[q + 5];
    return cause;
  }
  if (!carriesParameter(code)) {
    return cause;
  }
  // Exactly one TLV; its padding may be the cause's own.
  const s = q + 4;
  const e = q + len;
  const tlen = checkTlv(d, b, s, e, q + ((len + 3) & ~3), FRAME_CAUSE_INFO);
  if (tlen < 0) {
    return null;
  }
  if (s + ((tlen + 3) & ~3) < e) {
    fail(d, CAUSE_INVALID_VALUES, s + tlen, REASON_TRAILING_BYTES_IN_CAUSE, b.subarray(q, e), true);
    return null;
  }
  const type = u16(b, s);
  cause.parameter = newRawParameter(type, b.subarray(s + 4, s + tlen));
  if (code === CAUSE_INCONSISTENT_POLICY) {
    if (type !== PARAM_POLICY) {
      fail(d, CAUSE_INVALID_VALUES, s, REASON_CAUSE_WITHOUT_POLICY, b.subarray(s, s + tlen), true);
      return null;
    }
    cause.policy = decodePolicy(d, b, s);
    return cause.policy === null ? null : cause;
  }
  if (code === CAUSE_INCONSISTENT_TRANSPORT) {
    if (!isTransportType(type)) {
      fail(d, CAUSE_INVALID_VALUES, s, REASON_CAUSE_WITHOUT_TRANSPORT, b.subarray(s, s + tlen), true);
      return null;
    }
    cause.transport = decodeTransport(d, b, s);
    return cause.transport === null ? null : cause;
  }
  if (!walkParameter(d, b, s, depth + 1)) {
    return null;
  }
  if (code === CAUSE_INVALID_VALUES) {
    // The parameter with invalid values may well not decode: best effort.
    const saved = d.problems.length;
    if (type === PARAM_POLICY) {
      cause.policy = decodePolicy(d, b, s);
    } else if (isTransportType(type)) {
      cause.transport = decodeTransport(d, b, s);
    }
    if (d.error !== null) {
      d.error = null;
      d.problems.length = saved;
    }
  }
  return cause;
}

/** Operation Error (RFC 5354 s3.12): one or more error causes. */
export function decodeOperationError(d: Decoder, b: Uint8Array, p: number): OperationError | null {
  const len = u16(b, p + 2);
  const end = p + len;
  const endPadded = p + ((len + 3) & ~3);
  const causes: ErrorCause[] = [];
  let q = p + 4;
  while (q < end) {
    const clen = checkTlv(d, b, q, end, endPadded, FRAME_CAUSE);
    if (clen < 0) {
      return null;
    }
    const cause = decodeCause(d, b, q, clen, 1);
    if (cause === null) {
      return null;
    }
    causes.push(cause);
    q = q + ((clen + 3) & ~3);
  }
  if (causes.length === 0) {
    return invalid(d, b, p, REASON_OPERATION_ERROR_WITHOUT_CAUSES);
  }
  return newOperationError(causes);
}

/** A parameter whose value is exactly `size` bytes (PE identifier, checksum, items). */
export function checkFixedSize(d: Decoder, b: Uint8Array, p: number, size: number, reason: number): boolean {
  if (u16(b, p + 2) !== 4 + size) {
    invalid(d, b, p, reason);
    return false;
  }
  return true;
}

/** Cookie (RFC 5354 s3.13): opaque, at least one byte; a view. */
export function decodeCookie(d: Decoder, b: Uint8Array, p: number): Uint8Array | null {
  const len = u16(b, p + 2);
  if (len < 5) {
    return invalid(d, b, p, REASON_EMPTY_COOKIE);
  }
  return b.subarray(p + 4, p + len);
}

/** Counts pool elements against the per-message limit. */
export function countPoolElement(d: Decoder, b: Uint8Array, p: number): boolean {
  if (d.count_ >= d.maxPoolElements) {
    fail(d, CAUSE_LACK_OF_RESOURCES, p, REASON_TOO_MANY_POOL_ELEMENTS, null, true);
    return false;
  }
  d.count_++;
  return true;
}

// ---------------------------------------------------------------- encoding

export function encodePoolHandle(w: Writer, poolHandle: Uint8Array): void {
  const position = beginTlv(w, PARAM_POOL_HANDLE);
  writeBytes(w, poolHandle);
  endTlv(w, position);
}

export function encodeAddress(w: Writer, address: Address): void {
  if (address.length === 4) {
    writeU16(w, PARAM_IPV4_ADDRESS);
    writeU16(w, 8);
  } else if (address.length === 16) {
    writeU16(w, PARAM_IPV6_ADDRESS);
    writeU16(w, 20);
  } else {
    cannotEncode("address"); // 4 or 16 bytes
  }
  writeBytes(w, address);
}

export function encodeTransport(w: Writer, t: Transport): void {
  const type = t.type;
  if (!isTransportType(type)) {
    cannotEncode("transport.type");
  }
  const position = beginTlv(w, type);
  writeU16(w, t.port);
  if (type === PARAM_SCTP_TRANSPORT || type === PARAM_TCP_TRANSPORT) {
    writeU16(w, t.transportUse);
  } else {
    writeU16(w, 0); // reserved
  }
  if (type === PARAM_DCCP_TRANSPORT) {
    writeU32(w, t.serviceCode | 0);
  }
  const addresses = t.addresses;
  const n = addresses.length;
  let i = 0;
  while (i < n) {
    encodeAddress(w, addresses[i]);
    i++;
  }
  endTlv(w, position);
}

export function encodePolicy(w: Writer, policy: Policy): void {
  const type = policy.type >>> 0;
  const position = beginTlv(w, PARAM_POLICY);
  writeU32(w, type | 0);
  switch (type) {
    case POLICY_ROUND_ROBIN:
    case POLICY_RANDOM:
      break;
    case POLICY_WEIGHTED_ROUND_ROBIN:
    case POLICY_WEIGHTED_RANDOM:
      writeU32(w, policy.weight | 0);
      break;
    case POLICY_PRIORITY:
      writeU32(w, policy.priority | 0);
      break;
    case POLICY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED:
      writeU32(w, policy.load | 0);
      break;
    case POLICY_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED:
    case POLICY_RANDOMIZED_LEAST_USED_DEGRADATION:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION:
    case POLICY_RANDOMIZED_PRIORITY_LEAST_USED_DEGRADATION:
      writeU32(w, policy.load | 0);
      writeU32(w, policy.loadDegradation | 0);
      break;
    case POLICY_WEIGHTED_RANDOM_DPF:
      writeU32(w, policy.weight | 0);
      writeU32(w, policy.weightDpf | 0);
      writeU32(w, policy.distance | 0);
      break;
    case POLICY_LEAST_USED_DPF:
      writeU32(w, policy.load | 0);
      writeU32(w, policy.loadDpf | 0);
      writeU32(w, policy.distance | 0);
      break;
    case POLICY_LEAST_USED_DEGRADATION_DPF:
    case POLICY_PRIORITY_LEAST_USED_DPF:
    case POLICY_PRIORITY_LEAST_USED_DEGRADATION_DPF:
      writeU32(w, policy.load | 0);
      writeU32(w, policy.loadDegradation | 0);
      writeU32(w, policy.loadDpf | 0);
      writeU32(w, policy.distance | 0);
      break;
    default:
      cannotEncode("policy.type");
  }
  endTlv(w, position);
}

export function encodePoolElement(w: Writer, pe: PoolElement): void {
  const position = beginTlv(w, PARAM_POOL_ELEMENT);
  writeU32(w, pe.identifier | 0);
  writeU32(w, pe.homeRegistrarIdentifier | 0);
  writeU32(w, pe.registrationLife | 0);
  encodeTransport(w, pe.userTransport);
  encodePolicy(w, pe.policy);
  if (pe.asapTransport !== null) {
    encodeTransport(w, pe.asapTransport);
  }
  endTlv(w, position);
}

export function encodeServerInformation(w: Writer, si: ServerInformation): void {
  const position = beginTlv(w, PARAM_SERVER_INFORMATION);
  writeU32(w, si.serverIdentifier | 0);
  encodeTransport(w, si.transport);
  endTlv(w, position);
}

/**
 * Causes are written from `info` when it is not empty; otherwise from the
 * decoded policy, transport or raw parameter, if any (RFC 5354 s3.12).
 */
function encodeCause(w: Writer, cause: ErrorCause): void {
  const position = w.length;
  writeU16(w, cause.code);
  writeU16(w, 0);
  if (cause.info !== null && cause.info.length > 0) {
    writeBytes(w, cause.info);
  } else if (cause.policy !== null) {
    encodePolicy(w, cause.policy);
  } else if (cause.transport !== null) {
    encodeTransport(w, cause.transport);
  } else if (cause.parameter !== null) {
    const tlv = beginTlv(w, cause.parameter.type);
    writeBytes(w, cause.parameter.value);
    endTlv(w, tlv);
  }
  const length = w.length - position;
  if (length > MAX_LENGTH) {
    cannotEncode("length"); // over 65535 bytes
  }
  patchU16(w, position + 2, length);
  writePadding(w);
}

export function encodeOperationError(w: Writer, oe: OperationError): void {
  const position = beginTlv(w, PARAM_OPERATION_ERROR);
  const causes = oe.causes;
  const n = causes.length;
  let i = 0;
  while (i < n) {
    encodeCause(w, causes[i]);
    i++;
  }
  endTlv(w, position);
}

/** A parameter holding one 32-bit value (PE identifier, Handle Resolution Option). */
export function encodeU32Parameter(w: Writer, type: number, value: number): void {
  writeU16(w, type);
  writeU16(w, 8);
  writeU32(w, value | 0);
}

/** PE Checksum (RFC 5354 s3.15): 16 bits, then 2 bytes of padding. */
export function encodeChecksum(w: Writer, checksum: number): void {
  writeU16(w, PARAM_PE_CHECKSUM);
  writeU16(w, 6);
  writeU16(w, checksum);
  writeU16(w, 0);
}

export function encodeCookie(w: Writer, cookie: Uint8Array): void {
  const position = beginTlv(w, PARAM_COOKIE);
  writeBytes(w, cookie);
  endTlv(w, position);
}
