// Address scopes and the anti-spoofing filter (RFC 5355 s3; rsplib
// registrarHandleASAPRegistration): a PE may register only transport
// addresses its association to us actually uses, and only addresses of at
// least the configured scope (loopback < link-local < site-local < global).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) count as their IPv4 address.

import { SCOPE_GLOBAL, SCOPE_LINK_LOCAL, SCOPE_LOOPBACK, SCOPE_NONE, SCOPE_SITE_LOCAL } from "./config.js";

/** Offset of the IPv4 part of an address: 0 (IPv4), 12 (IPv4-mapped IPv6) or -1 (IPv6). */
function ipv4At(a: Uint8Array): number {
  if (a.length === 4) return 0;
  if (a.length !== 16 || a[10] !== 0xff || a[11] !== 0xff) return -1;
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return -1;
  return 12;
}

/**
 * Scope of an IPv4 or IPv6 address (4 or 16 bytes). SCOPE_NONE for what can
 * never name a PE: unspecified, multicast, broadcast and reserved (240/4).
 */
export function addressScope(a: Uint8Array): number {
  const v4 = ipv4At(a);
  if (v4 >= 0) {
    const b0 = a[v4];
    const b1 = a[v4 + 1];
    if (b0 === 0 || b0 >= 224) return SCOPE_NONE; // "this network", RFC 5771 multicast, RFC 1112 class E
    if (b0 === 127) return SCOPE_LOOPBACK;
    if (b0 === 169 && b1 === 254) return SCOPE_LINK_LOCAL; // RFC 3927
    // RFC 1918 private, RFC 6598 shared address space
    if (b0 === 10 || (b0 === 172 && (b1 & 0xf0) === 16) || (b0 === 192 && b1 === 168) || (b0 === 100 && (b1 & 0xc0) === 64)) {
      return SCOPE_SITE_LOCAL;
    }
    return SCOPE_GLOBAL;
  }
  if (a.length !== 16) return SCOPE_NONE;
  if (a[0] === 0xff) return SCOPE_NONE; // multicast (RFC 4291 s2.7)
  let zero = true;
  for (let i = 0; i < 15; i++) {
    if (a[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return a[15] === 1 ? SCOPE_LOOPBACK : a[15] === 0 ? SCOPE_NONE : SCOPE_GLOBAL;
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return SCOPE_LINK_LOCAL; // fe80::/10
  if ((a[0] === 0xfe && (a[1] & 0xc0) === 0xc0) || (a[0] & 0xfe) === 0xfc) return SCOPE_SITE_LOCAL; // fec0::/10, fc00::/7
  return SCOPE_GLOBAL;
}

/** Same address, treating IPv4-mapped IPv6 and IPv4 as equal. */
export function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  const x = ipv4At(a);
  const y = ipv4At(b);
  if (x >= 0 || y >= 0) {
    return x >= 0 && y >= 0 && a[x] === b[y] && a[x + 1] === b[y + 1] && a[x + 2] === b[y + 2] && a[x + 3] === b[y + 3];
  }
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True for an IPv6 address that is not IPv4-mapped. */
export function isIPv6(a: Uint8Array): boolean {
  return ipv4At(a) < 0;
}

/** filterAddresses results beside the kept list. */
export interface FilterResult {
  /** Addresses the association uses but below the minimum scope (or IPv6 while disabled). */
  belowScope: number;
  /** Addresses the association does not use (possibly spoofed). */
  foreign: number;
}

/**
 * Keeps the addresses of `addresses` that are also in `allowed` (the
 * association's remote addresses) and of scope >= minScope, in order, into
 * `out` (cleared first). Counts the refused ones in `result`.
 */
export function filterAddresses(
  addresses: Uint8Array[],
  allowed: Uint8Array[],
  minScope: number,
  noIPv6: boolean,
  out: Uint8Array[],
  result: FilterResult
): void {
  out.length = 0;
  result.belowScope = 0;
  result.foreign = 0;
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i];
    let used = false;
    for (let j = 0; j < allowed.length; j++) {
      if (sameAddress(a, allowed[j])) {
        used = true;
        break;
      }
    }
    if (!used) result.foreign++;
    else if (addressScope(a) < minScope || (noIPv6 && isIPv6(a))) result.belowScope++;
    else out.push(a);
  }
}
