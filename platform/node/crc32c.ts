// CRC32c (Castagnoli), the SCTP checksum (RFC 4960 s6.8, appendix B).
// Slicing-by-8 tables: the npm `sctp` package never verifies the checksum,
// so every received packet goes through this before the library sees it.

const POLY = 0x82f63b78; // reflected Castagnoli polynomial

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) {
      const prev = t[(s - 1) * 256 + i];
      t[s * 256 + i] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
}

const T = buildTables();

/** Continue a CRC32c over bytes[start, end). Start with 0xffffffff, finish with `~crc >>> 0`. */
export function crc32cUpdate(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (end - i >= 8) {
    const a = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) ^ crc;
    crc =
      T[1792 + (a & 0xff)] ^
      T[1536 + ((a >>> 8) & 0xff)] ^
      T[1280 + ((a >>> 16) & 0xff)] ^
      T[1024 + (a >>> 24)] ^
      T[768 + bytes[i + 4]] ^
      T[512 + bytes[i + 5]] ^
      T[256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
    i += 8;
  }
  while (i < end) {
    crc = (crc >>> 8) ^ T[(crc ^ bytes[i]) & 0xff];
    i++;
  }
  return crc;
}

/** CRC32c of bytes[start, end). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~crc32cUpdate(0xffffffff, bytes, start, end) >>> 0;
}

const ZERO4 = new Uint8Array(4);

/**
 * The SCTP checksum of a packet: CRC32c over the whole packet with the
 * checksum field (bytes 8..11) taken as zero (RFC 4960 s6.8).
 */
export function sctpChecksum(packet: Uint8Array, length = packet.length): number {
  let c = crc32cUpdate(0xffffffff, packet, 0, 8);
  c = crc32cUpdate(c, ZERO4, 0, 4);
  c = crc32cUpdate(c, packet, 12, length);
  return ~c >>> 0;
}

/** Read the checksum field: SCTP stores the CRC32c little-endian (RFC 4960 appendix B). */
export function readSctpChecksum(packet: Uint8Array): number {
  return (packet[8] | (packet[9] << 8) | (packet[10] << 16) | (packet[11] << 24)) >>> 0;
}

export function writeSctpChecksum(packet: Uint8Array, value: number): void {
  packet[8] = value & 0xff;
  packet[9] = (value >>> 8) & 0xff;
  packet[10] = (value >>> 16) & 0xff;
  packet[11] = (value >>> 24) & 0xff;
}
