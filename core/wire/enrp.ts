// ENRP messages (RFC 5353 s2): decoding with content models, encoding.
// Every message starts with the sender's and receiver's server ids.
//
//   1 PRESENCE (R)                 PE-Checksum, ServerInfo?        s2.1
//   2 HANDLE_TABLE_REQUEST (W)     -                               s2.2
//   3 HANDLE_TABLE_RESPONSE (R, M) (PH, PE+)*                      s2.3
//   4 HANDLE_UPDATE (T)            [action, reserved] PH, PE       s2.4 (T: rsplib)
//   5 LIST_REQUEST                 -                               s2.5
//   6 LIST_RESPONSE (R)            ServerInfo*                     s2.6
//   7 INIT_TAKEOVER                [target id]                     s2.7
//   8 INIT_TAKEOVER_ACK            [target id]                     s2.8
//   9 TAKEOVER_SERVER              [target id]                     s2.9
//  10 ERROR                        OpError                         s2.10
// Pool elements in ENRP carry their ASAP transport (RFC 5354 s3.10).

import {
  CAUSE_INVALID_VALUES,
  CAUSE_UNRECOGNIZED_MESSAGE,
  ENRP_ERROR,
  ENRP_FLAG_MORE_TO_SEND,
  ENRP_FLAG_REJECT,
  ENRP_HANDLE_TABLE_REQUEST,
  ENRP_HANDLE_TABLE_RESPONSE,
  ENRP_HANDLE_UPDATE,
  ENRP_INIT_TAKEOVER,
  ENRP_INIT_TAKEOVER_ACK,
  ENRP_LIST_REQUEST,
  ENRP_LIST_RESPONSE,
  ENRP_PRESENCE,
  ENRP_TAKEOVER_SERVER,
  CAUSE_UNSPECIFIED,
  PARAM_OPERATION_ERROR,
  PARAM_PE_CHECKSUM,
  PARAM_POOL_ELEMENT,
  PARAM_POOL_HANDLE,
  PARAM_SERVER_INFORMATION,
  UPDATE_ACTION_DEL_PE,
} from "./constants.js";
import {
  after,
  checkFlags,
  checkMessageHeader,
  fail,
  internalError,
  nextParam,
  problem,
  startDecode,
  u16,
  u32,
} from "./decoder.js";
import type { Decoder } from "./decoder.js";
import {
  REASON_PE_CHECKSUM_LENGTH,
  REASON_RESERVED_FIELD_SET,
  REASON_SHORTER_THAN_FIXED_FIELDS,
  REASON_UNKNOWN_UPDATE_ACTION,
  REASON_UNRECOGNIZED_MESSAGE_TYPE,
} from "./reasons.js";
import { newEnrpMessage, newPoolEntry } from "./build.js";
import {
  at,
  checkFixedSize,
  countPoolElement,
  decodeOperationError,
  decodePoolElement,
  decodePoolHandle,
  decodeServerInformation,
  done,
  encodeChecksum,
  encodeOperationError,
  encodePoolElement,
  encodePoolHandle,
  encodeServerInformation,
  messageFixedLength,
  need,
} from "./params.js";
import type { EnrpMessage, PoolElement } from "./types.js";
import { cannotEncode, finishWriter, MAX_LENGTH, patchU16, writeU16, writeU32, writeU8 } from "./writer.js";
import type { Writer } from "./writer.js";

/** Flag bits each ENRP type defines; the rest are reserved (RFC 5353 s2). */
function enrpFlags(type: number): number {
  switch (type) {
    case ENRP_PRESENCE: // R
    case ENRP_HANDLE_TABLE_REQUEST: // W
    case ENRP_HANDLE_UPDATE: // T
    case ENRP_LIST_RESPONSE: // R
      return 0x01;
    case ENRP_HANDLE_TABLE_RESPONSE:
      return ENRP_FLAG_REJECT | ENRP_FLAG_MORE_TO_SEND;
  }
  return 0;
}

/**
 * Decodes one ENRP message at bytes[offset, offset + length). Returns the
 * validated message, or null with decoder.error set. Never throws.
 */
export function decodeEnrp(decoder: Decoder, bytes: Uint8Array, offset: number, length: number): EnrpMessage | null {
  if (!startDecode(decoder, bytes, offset, length, true)) {
    return null;
  }
  try {
    return decodeEnrpMessage(decoder, bytes, offset, length);
  } catch (e) {
    return internalError(decoder);
  }
}

function decodeEnrpMessage(d: Decoder, b: Uint8Array, o: number, length: number): EnrpMessage | null {
  if (!checkMessageHeader(d, b, o, length)) {
    return null;
  }
  const type = b[o];
  const end = o + length;
  const fixed = messageFixedLength(true, type);
  if (fixed < 0) {
    return fail(d, CAUSE_UNRECOGNIZED_MESSAGE, o, REASON_UNRECOGNIZED_MESSAGE_TYPE, b.subarray(o, end), true);
  }
  if (length < 4 + fixed) {
    return fail(d, CAUSE_INVALID_VALUES, o, REASON_SHORTER_THAN_FIXED_FIELDS, null, true);
  }
  checkFlags(d, b, o, enrpFlags(type));
  const m = newEnrpMessage(type);
  m.flags = b[o + 1];
  m.senderServerIdentifier = u32(b, o + 4);
  m.receiverServerIdentifier = u32(b, o + 8);
  if (type === ENRP_HANDLE_UPDATE) {
    const action = u16(b, o + 12);
    if (action > UPDATE_ACTION_DEL_PE) {
      return fail(d, CAUSE_INVALID_VALUES, o + 12, REASON_UNKNOWN_UPDATE_ACTION, null, true);
    }
    m.updateAction = action;
    if (u16(b, o + 14) !== 0) {
      problem(d, o + 14, REASON_RESERVED_FIELD_SET, CAUSE_UNSPECIFIED, null);
    }
  } else if (fixed === 12) {
    m.targetServerIdentifier = u32(b, o + 12);
  }
  let q = nextParam(d, b, o + 4 + fixed, end, end);
  switch (type) {
    case ENRP_PRESENCE:
      if (!need(d, b, q, end, PARAM_PE_CHECKSUM) || !checkFixedSize(d, b, q, 2, REASON_PE_CHECKSUM_LENGTH)) {
        return null;
      }
      m.checksum = u16(b, q + 4);
      q = nextParam(d, b, after(b, q), end, end);
      if (at(b, q, end, PARAM_SERVER_INFORMATION)) {
        m.serverInformation = decodeServerInformation(d, b, q);
        if (m.serverInformation === null) {
          return null;
        }
        q = nextParam(d, b, after(b, q), end, end);
      }
      break;

    case ENRP_HANDLE_TABLE_RESPONSE:
      while (at(b, q, end, PARAM_POOL_HANDLE)) {
        const handle = decodePoolHandle(d, b, q);
        if (handle === null) {
          return null;
        }
        q = nextParam(d, b, after(b, q), end, end);
        if (!need(d, b, q, end, PARAM_POOL_ELEMENT)) {
          return null; // a pool entry has at least one PE (rsplib: "empty pool")
        }
        const entry = newPoolEntry(handle, []);
        q = poolElements(d, b, q, end, entry.poolElements);
        if (q < 0) {
          return null;
        }
        m.poolEntries.push(entry);
      }
      break;

    case ENRP_HANDLE_UPDATE: {
      if (!need(d, b, q, end, PARAM_POOL_HANDLE)) {
        return null;
      }
      m.poolHandle = decodePoolHandle(d, b, q);
      if (m.poolHandle === null) {
        return null;
      }
      q = nextParam(d, b, after(b, q), end, end);
      if (!need(d, b, q, end, PARAM_POOL_ELEMENT) || !countPoolElement(d, b, q)) {
        return null;
      }
      m.poolElement = decodePoolElement(d, b, q);
      if (m.poolElement === null) {
        return null;
      }
      q = nextParam(d, b, after(b, q), end, end);
      break;
    }

    case ENRP_LIST_RESPONSE:
      while (at(b, q, end, PARAM_SERVER_INFORMATION)) {
        const si = decodeServerInformation(d, b, q);
        if (si === null) {
          return null;
        }
        m.serverInformations.push(si);
        q = nextParam(d, b, after(b, q), end, end);
      }
      break;

    case ENRP_ERROR:
      if (!need(d, b, q, end, PARAM_OPERATION_ERROR)) {
        return null;
      }
      m.error = decodeOperationError(d, b, q);
      if (m.error === null) {
        return null;
      }
      q = nextParam(d, b, after(b, q), end, end);
      break;

    default:
      // HANDLE_TABLE_REQUEST, LIST_REQUEST, takeover messages: no parameters.
      break;
  }
  if (!done(d, b, q, end)) {
    return null;
  }
  return m;
}

function poolElements(d: Decoder, b: Uint8Array, q: number, end: number, into: PoolElement[]): number {
  while (at(b, q, end, PARAM_POOL_ELEMENT)) {
    if (!countPoolElement(d, b, q)) {
      return -1;
    }
    const pe = decodePoolElement(d, b, q);
    if (pe === null) {
      return -1;
    }
    into.push(pe);
    q = nextParam(d, b, after(b, q), end, end);
  }
  return q;
}

// ---------------------------------------------------------------- encoding

/**
 * Encodes an ENRP message into the writer (reset first) and returns a view
 * valid until the writer's next use. Throws on a message that lacks a
 * field its type requires or has an unknown type (a caller bug).
 */
export function encodeEnrp(writer: Writer, message: EnrpMessage): Uint8Array {
  const w = writer;
  const m = message;
  const type = m.type;
  w.length = 0;
  writeU8(w, type);
  writeU8(w, m.flags);
  writeU16(w, 0);
  writeU32(w, m.senderServerIdentifier | 0);
  writeU32(w, m.receiverServerIdentifier | 0);
  switch (type) {
    case ENRP_PRESENCE:
      if (m.checksum === null) {
        cannotEncode("checksum");
      }
      encodeChecksum(w, m.checksum);
      if (m.serverInformation !== null) {
        encodeServerInformation(w, m.serverInformation);
      }
      break;

    case ENRP_HANDLE_TABLE_REQUEST:
    case ENRP_LIST_REQUEST:
      break;

    case ENRP_HANDLE_TABLE_RESPONSE: {
      const entries = m.poolEntries;
      const n = entries.length;
      let i = 0;
      while (i < n) {
        const entry = entries[i];
        encodePoolHandle(w, entry.poolHandle);
        const pes = entry.poolElements;
        const k = pes.length;
        if (k === 0) {
          cannotEncode("poolElements"); // a pool entry has at least one
        }
        let j = 0;
        while (j < k) {
          encodePoolElement(w, pes[j]);
          j++;
        }
        i++;
      }
      break;
    }

    case ENRP_HANDLE_UPDATE:
      if (m.updateAction === null || m.poolHandle === null || m.poolElement === null) {
        cannotEncode("updateAction, poolHandle or poolElement");
      }
      writeU16(w, m.updateAction);
      writeU16(w, 0); // reserved
      encodePoolHandle(w, m.poolHandle);
      encodePoolElement(w, m.poolElement);
      break;

    case ENRP_LIST_RESPONSE: {
      const list = m.serverInformations;
      const n = list.length;
      let i = 0;
      while (i < n) {
        encodeServerInformation(w, list[i]);
        i++;
      }
      break;
    }

    case ENRP_INIT_TAKEOVER:
    case ENRP_INIT_TAKEOVER_ACK:
    case ENRP_TAKEOVER_SERVER:
      if (m.targetServerIdentifier === null) {
        cannotEncode("targetServerIdentifier");
      }
      writeU32(w, m.targetServerIdentifier | 0);
      break;

    case ENRP_ERROR:
      if (m.error === null) {
        cannotEncode("error");
      }
      encodeOperationError(w, m.error);
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
