// PE checksums (RFC 5353 s3.1 "PE checksum", RFC 1071 arithmetic).
//
// A PE's checksum is the 16-bit one's complement sum of its pool handle
// (as 16-bit big-endian words, an odd last byte padded with a zero byte)
// followed by its 32-bit PE identifier. The handlespace checksum is the one's
// complement sum of the PE checksums of a set of PEs (all PEs, or those a
// registrar owns), complemented at the end.
//
// The handlespace keeps each set's sum as an exact integer sum of per-PE
// folded sums (a plain number, exact below 2^53 = 2^37 PEs) and folds only
// when asked. Adding and removing are therefore exact inverses, and an
// incrementally maintained sum equals one recomputed from scratch, with no
// +0/-0 ambiguity of one's complement subtraction.
//
// rsplib (src/poolhandlespacechecksum.c) sums host-order words in a 32-bit
// accumulator: on little-endian hosts its value is the byte swap of this one
// (RFC 1071 s2(B)), and past 2^32 its accumulator wraps. Interoperability at
// the wire is the ENRP code's business.

/** Unfolded sum of the 16-bit big-endian words of `length` bytes at `offset`. */
export function sumBytes(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  const end = offset + length - 1;
  let i = offset;
  for (; i < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i === end) sum += bytes[i] << 8;
  return sum;
}

/** Folds carries into 16 bits (one's complement), without complementing. */
export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum % 65536) + Math.floor(sum / 65536);
  return sum;
}

/** A PE's folded (not complemented) sum from its pool's handle sum and its identifier. */
export function peSum(handleSum: number, identifier: number): number {
  return fold16(handleSum + (identifier >>> 16) + (identifier & 0xffff));
}

/** The 16-bit checksum value of an exact sum of PE sums (RFC 1071: complement of the fold). */
export function finishChecksum(sum: number): number {
  return ~fold16(sum) & 0xffff;
}
