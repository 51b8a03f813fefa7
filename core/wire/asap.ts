// ASAP messages (RFC 5352 s2.2): decoding with content models, encoding.
//
// Content models (parameters after the header and fixed fields; ? = optional,
// * = any number, + = at least one). Where rsplib sends more than the RFC
// text, we accept what rsplib sends (marked "rsplib"):
//   1 REGISTRATION                 PH, PE                      s2.2.1
//   2 DEREGISTRATION               PH, PE-ID                   s2.2.2
//   3 REGISTRATION_RESPONSE (R)    PH, PE-ID, OpError?         s2.2.3
//   4 DEREGISTRATION_RESPONSE      PH, PE-ID, OpError?         s2.2.4
//   5 HANDLE_RESOLUTION            PH, HR-Option?              s2.2.5 (+ rsplib 0x803f)
//   6 HANDLE_RESOLUTION_RESPONSE   PH, Policy?, PE*, OpError?  s2.2.6
//   7 ENDPOINT_KEEP_ALIVE (H)      [server id] PH, PE-ID?      s2.2.7 (PE-ID: rsplib)
//   8 ENDPOINT_KEEP_ALIVE_ACK      PH, PE-ID                   s2.2.8
//   9 ENDPOINT_UNREACHABLE         PH, PE-ID                   s2.2.9
//  10 SERVER_ANNOUNCE              [server id] Transport*      s2.2.10 (rsplib sends none)
//  11 COOKIE                       Cookie                      s2.2.11
//  12 COOKIE_ECHO                  Cookie                      s2.2.12
//  13 BUSINESS_CARD                PH, Policy?, PE+            s2.2.13 (Policy: rsplib)
//  14 ERROR                        OpError                     s2.2.14

import {
  ASAP_BUSINESS_CARD,
  ASAP_COOKIE,
  ASAP_COOKIE_ECHO,
  ASAP_DEREGISTRATION,
  ASAP_DEREGISTRATION_RESPONSE,
  ASAP_ENDPOINT_KEEP_ALIVE,
  ASAP_ENDPOINT_KEEP_ALIVE_ACK,
  ASAP_ENDPOINT_UNREACHABLE,
  ASAP_ERROR,
  ASAP_FLAG_HOME,
  ASAP_FLAG_REJECT,
  ASAP_HANDLE_RESOLUTION,
  ASAP_HANDLE_RESOLUTION_RESPONSE,
  ASAP_REGISTRATION,
  ASAP_REGISTRATION_RESPONSE,
  ASAP_SERVER_ANNOUNCE,
  CAUSE_INVALID_VALUES,
  CAUSE_UNRECOGNIZED_MESSAGE,
  PARAM_COOKIE,
  PARAM_HANDLE_RESOLUTION_OPTION,
  PARAM_OPERATION_ERROR,
  PARAM_PE_IDENTIFIER,
  PARAM_POLICY,
  PARAM_POOL_ELEMENT,
  PARAM_POOL_HANDLE,
} from "./constants.js";
import {
  after,
  checkFlags,
  checkMessageHeader,
  fail,
  internalError,
  nextParam,
  startDecode,
  u16,
  u32,
} from "./decoder.js";
import type { Decoder } from "./decoder.js";
import {
  REASON_HANDLE_RESOLUTION_OPTION_LENGTH,
  REASON_PE_IDENTIFIER_LENGTH,
  REASON_SHORTER_THAN_FIXED_FIELDS,
  REASON_UNRECOGNIZED_MESSAGE_TYPE,
} from "./reasons.js";
import { newAsapMessage } from "./build.js";
import {
  at,
  checkFixedSize,
  countPoolElement,
  decodeCookie,
  decodeOperationError,
  decodePolicy,
  decodePoolElement,
  decodePoolHandle,
  decodeTransport,
  done,
  encodeCookie,
  encodeOperationError,
  encodePolicy,
  encodePoolElement,
  encodePoolHandle,
  encodeTransport,
  encodeU32Parameter,
  isTransportType,
  need,
} from "./params.js";
import type { AsapMessage } from "./types.js";
import { cannotEncode, finishWriter, MAX_LENGTH, patchU16, writeU16, writeU32, writeU8 } from "./writer.js";
import type { Writer } from "./writer.js";

/** Flag bits each ASAP type defines; the rest are reserved (RFC 5352 s2.2). */
function asapFlags(type: number): number {
  switch (type) {
    case ASAP_REGISTRATION_RESPONSE:
      return ASAP_FLAG_REJECT;
    case ASAP_ENDPOINT_KEEP_ALIVE:
      return ASAP_FLAG_HOME;
    case ASAP_HANDLE_RESOLUTION_RESPONSE:
      return 0x01; // leniently, as Wireshark (rsplib's unused "reject")
  }
  return 0;
}

/**
 * Decodes one ASAP message at bytes[offset, offset + length). Returns the
 * validated message, or null with decoder.error set. Never throws.
 */
export function decodeAsap(decoder: Decoder, bytes: Uint8Array, offset: number, length: number): AsapMessage | null {
  if (!startDecode(decoder, bytes, offset, length, false)) {
    return null;
  }
  try {
    return decodeAsapMessage(decoder, bytes, offset, length);
  } catch (e) {
    return internalError(decoder);
  }
}

function decodeAsapMessage(d: Decoder, b: Uint8Array, o: number, length: number): AsapMessage | null {
  if (!checkMessageHeader(d, b, o, length)) {
    return null;
  }
  const type = b[o];
  const end = o + length;
  if (type < ASAP_REGISTRATION || type > ASAP_ERROR) {
    return fail(d, CAUSE_UNRECOGNIZED_MESSAGE, o, REASON_UNRECOGNIZED_MESSAGE_TYPE, b.subarray(o, end), true);
  }
  checkFlags(d, b, o, asapFlags(type));
  const m = newAsapMessage(type);
  m.flags = b[o + 1];
  let p = o + 4;
  if (type === ASAP_ENDPOINT_KEEP_ALIVE || type === ASAP_SERVER_ANNOUNCE) {
    if (length < 8) {
      return fail(d, CAUSE_INVALID_VALUES, o, REASON_SHORTER_THAN_FIXED_FIELDS, null, true);
    }
    m.serverIdentifier = u32(b, p);
    p += 4;
  }
  let q = nextParam(d, b, p, end, end);
  switch (type) {
    case ASAP_REGISTRATION:
      q = poolHandle(d, b, q, end, m);
      if (!need(d, b, q, end, PARAM_POOL_ELEMENT) || !countPoolElement(d, b, q)) {
        return null;
      }
      {
        const pe = decodePoolElement(d, b, q);
        if (pe === null) {
          return null;
        }
        m.poolElements.push(pe);
      }
      q = nextParam(d, b, after(b, q), end, end);
      break;

    case ASAP_DEREGISTRATION:
    case ASAP_ENDPOINT_KEEP_ALIVE_ACK:
    case ASAP_ENDPOINT_UNREACHABLE:
      q = poolHandle(d, b, q, end, m);
      q = peIdentifier(d, b, q, end, m, true);
      break;

    case ASAP_REGISTRATION_RESPONSE:
    case ASAP_DEREGISTRATION_RESPONSE:
      q = poolHandle(d, b, q, end, m);
      q = peIdentifier(d, b, q, end, m, true);
      q = operationError(d, b, q, end, m, false);
      break;

    case ASAP_HANDLE_RESOLUTION:
      q = poolHandle(d, b, q, end, m);
      if (at(b, q, end, PARAM_HANDLE_RESOLUTION_OPTION)) {
        if (!checkFixedSize(d, b, q, 4, REASON_HANDLE_RESOLUTION_OPTION_LENGTH)) {
          return null;
        }
        m.items = u32(b, q + 4);
        q = nextParam(d, b, after(b, q), end, end);
      }
      break;

    case ASAP_HANDLE_RESOLUTION_RESPONSE:
      q = poolHandle(d, b, q, end, m);
      q = policy(d, b, q, end, m);
      q = poolElements(d, b, q, end, m);
      q = operationError(d, b, q, end, m, false);
      break;

    case ASAP_ENDPOINT_KEEP_ALIVE:
      q = poolHandle(d, b, q, end, m);
      q = peIdentifier(d, b, q, end, m, false);
      break;

    case ASAP_SERVER_ANNOUNCE:
      while (q >= 0 && q < end) {
        if (!isTransportType(u16(b, q))) {
          break; // done() reports it
        }
        const t = decodeTransport(d, b, q);
        if (t === null) {
          return null;
        }
        m.transports.push(t);
        q = nextParam(d, b, after(b, q), end, end);
      }
      break;

    case ASAP_COOKIE:
    case ASAP_COOKIE_ECHO:
      if (!need(d, b, q, end, PARAM_COOKIE)) {
        return null;
      }
      m.cookie = decodeCookie(d, b, q);
      if (m.cookie === null) {
        return null;
      }
      q = nextParam(d, b, after(b, q), end, end);
      break;

    case ASAP_BUSINESS_CARD:
      q = poolHandle(d, b, q, end, m);
      q = policy(d, b, q, end, m);
      if (!need(d, b, q, end, PARAM_POOL_ELEMENT)) {
        return null;
      }
      q = poolElements(d, b, q, end, m);
      break;

    default: // ASAP_ERROR
      q = operationError(d, b, q, end, m, true);
      break;
  }
  if (!done(d, b, q, end)) {
    return null;
  }
  return m;
}

// Content-model steps: each takes the position of the next known parameter
// (or -1 after an error) and returns the position after what it consumed.

function poolHandle(d: Decoder, b: Uint8Array, q: number, end: number, m: AsapMessage): number {
  if (!need(d, b, q, end, PARAM_POOL_HANDLE)) {
    return -1;
  }
  m.poolHandle = decodePoolHandle(d, b, q);
  if (m.poolHandle === null) {
    return -1;
  }
  return nextParam(d, b, after(b, q), end, end);
}

function peIdentifier(d: Decoder, b: Uint8Array, q: number, end: number, m: AsapMessage, required: boolean): number {
  if (!required && !at(b, q, end, PARAM_PE_IDENTIFIER)) {
    return q;
  }
  if (!need(d, b, q, end, PARAM_PE_IDENTIFIER) || !checkFixedSize(d, b, q, 4, REASON_PE_IDENTIFIER_LENGTH)) {
    return -1;
  }
  m.peIdentifier = u32(b, q + 4);
  return nextParam(d, b, after(b, q), end, end);
}

function operationError(d: Decoder, b: Uint8Array, q: number, end: number, m: AsapMessage, required: boolean): number {
  if (!required && !at(b, q, end, PARAM_OPERATION_ERROR)) {
    return q;
  }
  if (!need(d, b, q, end, PARAM_OPERATION_ERROR)) {
    return -1;
  }
  m.error = decodeOperationError(d, b, q);
  if (m.error === null) {
    return -1;
  }
  return nextParam(d, b, after(b, q), end, end);
}

function policy(d: Decoder, b: Uint8Array, q: number, end: number, m: AsapMessage): number {
  if (!at(b, q, end, PARAM_POLICY)) {
    return q;
  }
  m.policy = decodePolicy(d, b, q);
  if (m.policy === null) {
    return -1;
  }
  return nextParam(d, b, after(b, q), end, end);
}

function poolElements(d: Decoder, b: Uint8Array, q: number, end: number, m: AsapMessage): number {
  while (at(b, q, end, PARAM_POOL_ELEMENT)) {
    if (!countPoolElement(d, b, q)) {
      return -1;
    }
    const pe = decodePoolElement(d, b, q);
    if (pe === null) {
      return -1;
    }
    m.poolElements.push(pe);
    q = nextParam(d, b, after(b, q), end, end);
  }
  return q;
}

// ---------------------------------------------------------------- encoding

/** A field the message type requires (a caller bug when it is missing). */
function required(value: unknown, what: string): void {
  if (value === null || value === undefined) {
    cannotEncode(what);
  }
}

/**
 * Encodes an ASAP message into the writer (reset first) and returns a view
 * valid until the writer's next use. Throws on a message that lacks a
 * parameter its type requires or has an unknown type (a caller bug).
 */
export function encodeAsap(writer: Writer, message: AsapMessage): Uint8Array {
  const w = writer;
  const m = message;
  const type = m.type;
  w.length = 0;
  writeU8(w, type);
  writeU8(w, m.flags);
  writeU16(w, 0);
  switch (type) {
    case ASAP_REGISTRATION:
      required(m.poolHandle, "poolHandle");
      if (m.poolElements.length !== 1) {
        cannotEncode("poolElements"); // exactly one
      }
      encodePoolHandle(w, m.poolHandle as Uint8Array);
      encodePoolElement(w, m.poolElements[0]);
      break;

    case ASAP_DEREGISTRATION:
    case ASAP_ENDPOINT_KEEP_ALIVE_ACK:
    case ASAP_ENDPOINT_UNREACHABLE:
    case ASAP_REGISTRATION_RESPONSE:
    case ASAP_DEREGISTRATION_RESPONSE:
      required(m.poolHandle, "poolHandle");
      required(m.peIdentifier, "peIdentifier");
      encodePoolHandle(w, m.poolHandle as Uint8Array);
      encodeU32Parameter(w, PARAM_PE_IDENTIFIER, (m.peIdentifier as number) | 0);
      if ((type === ASAP_REGISTRATION_RESPONSE || type === ASAP_DEREGISTRATION_RESPONSE) && m.error !== null) {
        encodeOperationError(w, m.error);
      }
      break;

    case ASAP_HANDLE_RESOLUTION:
      required(m.poolHandle, "poolHandle");
      encodePoolHandle(w, m.poolHandle as Uint8Array);
      if (m.items !== null) {
        encodeU32Parameter(w, PARAM_HANDLE_RESOLUTION_OPTION, m.items | 0);
      }
      break;

    case ASAP_HANDLE_RESOLUTION_RESPONSE:
    case ASAP_BUSINESS_CARD: {
      required(m.poolHandle, "poolHandle");
      encodePoolHandle(w, m.poolHandle as Uint8Array);
      if (m.policy !== null) {
        encodePolicy(w, m.policy);
      }
      const pes = m.poolElements;
      const n = pes.length;
      if (type === ASAP_BUSINESS_CARD && n === 0) {
        cannotEncode("poolElements"); // at least one
      }
      let i = 0;
      while (i < n) {
        encodePoolElement(w, pes[i]);
        i++;
      }
      if (type === ASAP_HANDLE_RESOLUTION_RESPONSE && m.error !== null) {
        encodeOperationError(w, m.error);
      }
      break;
    }

    case ASAP_ENDPOINT_KEEP_ALIVE:
      required(m.serverIdentifier, "serverIdentifier");
      required(m.poolHandle, "poolHandle");
      writeU32(w, (m.serverIdentifier as number) | 0);
      encodePoolHandle(w, m.poolHandle as Uint8Array);
      if (m.peIdentifier !== null) {
        encodeU32Parameter(w, PARAM_PE_IDENTIFIER, m.peIdentifier | 0);
      }
      break;

    case ASAP_SERVER_ANNOUNCE: {
      required(m.serverIdentifier, "serverIdentifier");
      writeU32(w, (m.serverIdentifier as number) | 0);
      const ts = m.transports;
      const n = ts.length;
      let i = 0;
      while (i < n) {
        encodeTransport(w, ts[i]);
        i++;
      }
      break;
    }

    case ASAP_COOKIE:
    case ASAP_COOKIE_ECHO:
      required(m.cookie, "cookie");
      encodeCookie(w, m.cookie as Uint8Array);
      break;

    case ASAP_ERROR:
      required(m.error, "error");
      encodeOperationError(w, m.error as NonNullable<AsapMessage["error"]>);
      break;

    default:
      cannotEncode("type");
  }
  if (w.length > MAX_LENGTH) {
    cannotEncode("length"); // over 65535 bytes
  }
  patchU16(w, 2, w.length);
  return finishWriter(w);
}
