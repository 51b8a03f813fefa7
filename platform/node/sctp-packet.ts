// Stateless checks on a received SCTP packet, applied before the npm `sctp`
// library sees a single byte (see /work/shared/reference/npm-sctp.md).
//
// The library trusts its input: it never verifies the CRC32c, loops forever on
// a zero-length TLV, throws on short error causes, and parses trailing bytes of
// any fixed-size chunk as parameters. So we verify the common header and the
// checksum, walk every chunk and parameter, and hand the library rebuilt,
// minimal chunks: only the fields it reads, with exact lengths.

import { readSctpChecksum, sctpChecksum } from "./crc32c.js";

// Chunk types (RFC 4960 s3.2).
export const CHUNK_DATA = 0;
export const CHUNK_INIT = 1;
export const CHUNK_INIT_ACK = 2;
export const CHUNK_SACK = 3;
export const CHUNK_HEARTBEAT = 4;
export const CHUNK_HEARTBEAT_ACK = 5;
export const CHUNK_ABORT = 6;
export const CHUNK_SHUTDOWN = 7;
export const CHUNK_SHUTDOWN_ACK = 8;
export const CHUNK_ERROR = 9;
export const CHUNK_COOKIE_ECHO = 10;
export const CHUNK_COOKIE_ACK = 11;
export const CHUNK_SHUTDOWN_COMPLETE = 14;

const PARAM_HEARTBEAT_INFO = 1;
const PARAM_STATE_COOKIE = 7;

// Bits of CheckedPacket.present.
export const HAS_DATA = 1 << 0;
export const HAS_INIT = 1 << 1;
export const HAS_INIT_ACK = 1 << 2;
export const HAS_SACK = 1 << 3;
export const HAS_ABORT = 1 << 4;
export const HAS_SHUTDOWN = 1 << 5;
export const HAS_COOKIE_ECHO = 1 << 6;
export const HAS_COOKIE_ACK = 1 << 7;
export const HAS_SHUTDOWN_ACK = 1 << 8;
export const HAS_SHUTDOWN_COMPLETE = 1 << 9;
export const HAS_HEARTBEAT = 1 << 10;

// Reasons a packet is refused (0 = accepted).
export const ACCEPT = 0;
export const REJECT_SHORT = 1;
export const REJECT_CHECKSUM = 2;
export const REJECT_PORT = 3;
export const REJECT_CHUNK_LENGTH = 4;
export const REJECT_CHUNK = 5;
export const REJECT_INIT_RULES = 6;
export const REJECT_VTAG = 7;
export const REJECT_UNKNOWN_CHUNK = 8;
export const REJECT_EMPTY = 9;
export const REJECT_TOO_MANY_CHUNKS = 10;

export const REJECT_NAMES: readonly string[] = [
  "accepted",
  "short",
  "checksum",
  "port",
  "chunk-length",
  "chunk",
  "init-rules",
  "vtag",
  "unknown-chunk",
  "empty",
  "too-many-chunks",
];

/** At most this many chunks per packet; a full 1500-byte packet of SACKs has ~90. */
export const MAX_CHUNKS = 128;

export interface CheckedPacket {
  srcPort: number;
  dstPort: number;
  vtag: number;
  /** Sanitised chunks for the library, in order. */
  chunks: Buffer[];
  /** Chunk type of each entry of `chunks`. */
  types: number[];
  /** HAS_* bits. */
  present: number;
}

export function newCheckedPacket(): CheckedPacket {
  return { srcPort: 0, dstPort: 0, vtag: 0, chunks: [], types: [], present: 0 };
}

/** Walk the TLV parameters in [start, end); false if any is malformed (length < 4 or past the end). */
export function validParameters(b: Uint8Array, start: number, end: number): boolean {
  let off = start;
  while (end - off >= 4) {
    const plen = (b[off + 2] << 8) | b[off + 3];
    // A zero-length parameter makes the library loop forever (npm-sctp.md).
    if (plen < 4 || off + plen > end) return false;
    off += (plen + 3) & ~3;
  }
  // 1..3 stray bytes after the last parameter: tolerated as unaccounted padding.
  return true;
}

/** Offset of the first parameter of `type` in [start, end), or -1. Assumes validParameters. */
function findParameter(b: Uint8Array, start: number, end: number, type: number): number {
  let off = start;
  while (end - off >= 4) {
    const t = (b[off] << 8) | b[off + 1];
    const plen = (b[off + 2] << 8) | b[off + 3];
    if (t === type) return off;
    off += (plen + 3) & ~3;
  }
  return -1;
}

function bare(type: number, flags: number): Buffer {
  const c = Buffer.allocUnsafe(4);
  c[0] = type;
  c[1] = flags;
  c[2] = 0;
  c[3] = 4;
  return c;
}

/**
 * INIT / INIT ACK rebuilt with the fixed part and, for INIT ACK, only the
 * State Cookie. Address parameters are dropped: under UDP encapsulation the
 * remote address is the UDP source (RFC 6951 s5.4); the others the library
 * does not implement (AUTH, ASCONF, PR-SCTP, ECN) or parses unsafely.
 */
function rebuildInit(b: Buffer, off: number, type: number, cookieOff: number): Buffer {
  let cookieLen = 0;
  if (cookieOff >= 0) cookieLen = (b[cookieOff + 2] << 8) | b[cookieOff + 3];
  const len = 20 + cookieLen;
  const c = Buffer.alloc((len + 3) & ~3);
  b.copy(c, 0, off, off + 20);
  c[0] = type;
  c[1] = 0;
  c.writeUInt16BE(len, 2);
  if (cookieOff >= 0) b.copy(c, 20, cookieOff, cookieOff + cookieLen);
  return c;
}

/**
 * Check a received packet and fill `out` with sanitised chunks.
 * Returns ACCEPT or a REJECT_* reason; on rejection `out` is undefined.
 */
export function checkPacket(b: Buffer, out: CheckedPacket): number {
  const n = b.length;
  // Common header plus at least one chunk header (RFC 4960 s3.1).
  if (n < 16) return REJECT_SHORT;
  if (sctpChecksum(b, n) !== readSctpChecksum(b)) return REJECT_CHECKSUM;
  const srcPort = (b[0] << 8) | b[1];
  const dstPort = (b[2] << 8) | b[3];
  if (srcPort === 0 || dstPort === 0) return REJECT_PORT;
  const vtag = b.readUInt32BE(4);
  out.srcPort = srcPort;
  out.dstPort = dstPort;
  out.vtag = vtag;
  out.chunks.length = 0;
  out.types.length = 0;
  let present = 0;
  let count = 0;
  let off = 12;
  while (n - off >= 4) {
    if (++count > MAX_CHUNKS) return REJECT_TOO_MANY_CHUNKS;
    const type = b[off];
    const flags = b[off + 1];
    const clen = (b[off + 2] << 8) | b[off + 3];
    if (clen < 4 || off + clen > n) return REJECT_CHUNK_LENGTH;
    const end = off + clen;
    let keep: Buffer | null = null;
    switch (type) {
      case CHUNK_DATA:
        // TSN, stream, SSN, PPID and at least one byte (RFC 4960 s3.3.1, s6.2).
        if (clen < 17) return REJECT_CHUNK;
        keep = b.subarray(off, end);
        present |= HAS_DATA;
        break;
      case CHUNK_INIT:
      case CHUNK_INIT_ACK: {
        if (clen < 20 || !validParameters(b, off + 20, end)) return REJECT_CHUNK;
        // Initiate Tag 0, no inbound or outbound streams: invalid (RFC 4960 s3.3.2).
        if (b.readUInt32BE(off + 4) === 0) return REJECT_CHUNK;
        if (b.readUInt16BE(off + 12) === 0 || b.readUInt16BE(off + 14) === 0) return REJECT_CHUNK;
        let cookieOff = -1;
        if (type === CHUNK_INIT_ACK) {
          cookieOff = findParameter(b, off + 20, end, PARAM_STATE_COOKIE);
          if (cookieOff < 0 || ((b[cookieOff + 2] << 8) | b[cookieOff + 3]) <= 4) return REJECT_CHUNK;
        }
        keep = rebuildInit(b, off, type, cookieOff);
        present |= type === CHUNK_INIT ? HAS_INIT : HAS_INIT_ACK;
        break;
      }
      case CHUNK_SACK: {
        if (clen < 16) return REJECT_CHUNK;
        const gaps = b.readUInt16BE(off + 12);
        const dups = b.readUInt16BE(off + 14);
        if (16 + 4 * (gaps + dups) > clen) return REJECT_CHUNK;
        // Gap blocks ascending and disjoint, offsets >= 1 (RFC 4960 s3.3.4):
        // the library loops over every TSN a block covers.
        let prevEnd = 0;
        for (let g = 0; g < gaps; g++) {
          const s = b.readUInt16BE(off + 16 + 4 * g);
          const e = b.readUInt16BE(off + 18 + 4 * g);
          if (s <= prevEnd || e < s) return REJECT_CHUNK;
          prevEnd = e;
        }
        keep = b.subarray(off, off + 16 + 4 * (gaps + dups));
        if (clen !== keep.length) {
          keep = Buffer.from(keep);
          keep.writeUInt16BE(keep.length, 2);
        }
        present |= HAS_SACK;
        break;
      }
      case CHUNK_HEARTBEAT: {
        // Exactly one Heartbeat Info parameter (RFC 4960 s3.3.5).
        if (clen < 8 || !validParameters(b, off + 4, end)) return REJECT_CHUNK;
        if (b.readUInt16BE(off + 4) !== PARAM_HEARTBEAT_INFO) return REJECT_CHUNK;
        const plen = b.readUInt16BE(off + 6);
        const c = Buffer.alloc((4 + plen + 3) & ~3);
        c[0] = CHUNK_HEARTBEAT;
        c.writeUInt16BE(4 + plen, 2);
        b.copy(c, 4, off + 4, off + 4 + plen);
        keep = c;
        present |= HAS_HEARTBEAT;
        break;
      }
      case CHUNK_HEARTBEAT_ACK:
        // We never send HEARTBEAT under encapsulation (the library has no
        // destination addresses), so an ACK is unsolicited: skip it.
        break;
      case CHUNK_ABORT:
        // Error causes are dropped: the library's cause parser loops on a
        // zero-length cause and throws on short ones. Keep the T bit.
        keep = bare(CHUNK_ABORT, flags & 1);
        present |= HAS_ABORT;
        break;
      case CHUNK_SHUTDOWN: {
        if (clen < 8) return REJECT_CHUNK;
        const c = Buffer.allocUnsafe(8);
        b.copy(c, 0, off, off + 8);
        c[1] = 0;
        c.writeUInt16BE(8, 2);
        keep = c;
        present |= HAS_SHUTDOWN;
        break;
      }
      case CHUNK_SHUTDOWN_ACK:
        keep = bare(CHUNK_SHUTDOWN_ACK, 0);
        present |= HAS_SHUTDOWN_ACK;
        break;
      case CHUNK_ERROR:
        // Skipped: the library only re-emits it, and its cause parser is unsafe.
        break;
      case CHUNK_COOKIE_ECHO:
        // A COOKIE ECHO must be the first chunk of its packet (RFC 4960 s6.10).
        if (clen < 8 || out.chunks.length > 0) return REJECT_CHUNK;
        keep = b.subarray(off, end);
        present |= HAS_COOKIE_ECHO;
        break;
      case CHUNK_COOKIE_ACK:
        keep = bare(CHUNK_COOKIE_ACK, 0);
        present |= HAS_COOKIE_ACK;
        break;
      case CHUNK_SHUTDOWN_COMPLETE:
        keep = bare(CHUNK_SHUTDOWN_COMPLETE, flags & 1);
        present |= HAS_SHUTDOWN_COMPLETE;
        break;
      default:
        // Unrecognised chunk: the two high bits of the type say what to do
        // (RFC 4960 s3.2): 00/01 discard the packet, 10/11 skip the chunk.
        // Extensions the library lists but does not implement land here too.
        if ((type & 0x80) === 0) return REJECT_UNKNOWN_CHUNK;
        break;
    }
    if (keep !== null) {
      out.chunks.push(keep);
      out.types.push(type);
    }
    off += (clen + 3) & ~3;
  }
  // INIT travels alone with Verification Tag 0 (RFC 4960 s8.5.1, s6.10).
  if (present & HAS_INIT) {
    if (vtag !== 0 || count !== 1) return REJECT_INIT_RULES;
  } else if (vtag === 0) {
    return REJECT_VTAG;
  }
  // INIT ACK and SHUTDOWN COMPLETE are never bundled either (RFC 4960 s6.10).
  if (present & (HAS_INIT_ACK | HAS_SHUTDOWN_COMPLETE) && count !== 1) return REJECT_INIT_RULES;
  if (out.chunks.length === 0) return REJECT_EMPTY;
  out.present = present;
  return ACCEPT;
}

/** Serialise an outgoing packet (common header + chunks) with its checksum. */
export function encodePacket(srcPort: number, dstPort: number, vtag: number, chunks: Buffer[]): Buffer {
  let len = 12;
  for (let i = 0; i < chunks.length; i++) len += chunks[i].length;
  const b = Buffer.allocUnsafe(len);
  b.writeUInt16BE(srcPort, 0);
  b.writeUInt16BE(dstPort, 2);
  b.writeUInt32BE(vtag >>> 0, 4);
  b.writeUInt32BE(0, 8);
  let off = 12;
  for (let i = 0; i < chunks.length; i++) {
    chunks[i].copy(b, off);
    off += chunks[i].length;
  }
  const sum = sctpChecksum(b, len);
  b[8] = sum & 0xff;
  b[9] = (sum >>> 8) & 0xff;
  b[10] = (sum >>> 16) & 0xff;
  b[11] = (sum >>> 24) & 0xff;
  return b;
}
