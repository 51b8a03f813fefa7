// Text form <-> bytes for IPv4 (4 bytes) and IPv6 (16 bytes) addresses.
// Plain ES5 string scanning: no regular expressions, no padStart.

import type { Address } from "./types.js";

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) {
    return code - 48; // 0-9
  }
  if (code >= 97 && code <= 102) {
    return code - 87; // a-f
  }
  if (code >= 65 && code <= 70) {
    return code - 55; // A-F
  }
  return -1;
}

/** Parses a dotted quad text[start, end) into out[at..at+3]; false when malformed. */
function parseDotted(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let i = start;
  let part = 0;
  while (part < 4) {
    const first = i;
    let value = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) {
        break;
      }
      value = value * 10 + (c - 48);
      i++;
      if (i - first > 3) {
        return false;
      }
    }
    const digits = i - first;
    // No empty parts, no values over 255, no leading zeros (octal ambiguity).
    if (digits === 0 || value > 255 || (digits > 1 && text.charCodeAt(first) === 48)) {
      return false;
    }
    out[at + part] = value;
    part++;
    if (part < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) {
        return false;
      }
      i++;
    }
  }
  return i === end;
}

/** One to four hex digits as a number, or -1. */
function parseHexWord(text: string): number {
  const n = text.length;
  if (n < 1 || n > 4) {
    return -1;
  }
  let value = 0;
  for (let i = 0; i < n; i++) {
    const h = hexValue(text.charCodeAt(i));
    if (h < 0) {
      return -1;
    }
    value = value * 16 + h;
  }
  return value;
}

function parseIPv6(text: string): Address | null {
  const n = text.length;
  if (n < 2 || n > 45) {
    return null;
  }
  // At most one "::" (the gap); each side is colon-separated words.
  const halves = text.split("::");
  if (halves.length > 2) {
    return null;
  }
  const words: number[] = [];
  let gap = -1; // index in words where "::" stands
  for (let h = 0; h < halves.length; h++) {
    if (h === 1) {
      gap = words.length;
    }
    if (halves[h] === "") {
      continue;
    }
    const groups = halves[h].split(":");
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      if (group.indexOf(".") >= 0) {
        // Embedded IPv4 tail: the last 32 bits (RFC 4291 s2.2 form 3).
        const quad = new Uint8Array(4);
        if (h < halves.length - 1 || i < groups.length - 1 || !parseDotted(group, 0, group.length, quad, 0)) {
          return null;
        }
        words.push((quad[0] << 8) | quad[1], (quad[2] << 8) | quad[3]);
      } else {
        const word = parseHexWord(group);
        if (word < 0) {
          return null;
        }
        words.push(word);
      }
    }
  }
  const count = words.length;
  if (gap < 0 ? count !== 8 : count > 7) {
    return null;
  }
  const out = new Uint8Array(16);
  // Words before the gap stay in place, words after it move to the end.
  for (let w = 0; w < count; w++) {
    const at = gap >= 0 && w >= gap ? 16 - 2 * (count - w) : 2 * w;
    out[at] = words[w] >>> 8;
    out[at + 1] = words[w] & 0xff;
  }
  return out;
}

/** "127.0.0.1", "::1", "::ffff:1.2.3.4", "2001:db8::1" -> 4 or 16 bytes; null when malformed. */
export function parseAddress(text: string): Address | null {
  if (typeof text !== "string") {
    return null;
  }
  if (text.indexOf(":") >= 0) {
    return parseIPv6(text);
  }
  const out = new Uint8Array(4);
  return parseDotted(text, 0, text.length, out, 0) ? out : null;
}

function formatDotted(a: Uint8Array, at: number): string {
  return a[at] + "." + a[at + 1] + "." + a[at + 2] + "." + a[at + 3];
}

/**
 * Bytes -> text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero
 * run compressed, IPv4-mapped as ::ffff:a.b.c.d); "" for other lengths.
 */
export function formatAddress(address: Address): string {
  if (address.length === 4) {
    return formatDotted(address, 0);
  }
  if (address.length !== 16) {
    return "";
  }
  let i = 0;
  while (i < 10 && address[i] === 0) {
    i++;
  }
  if (i === 10 && address[10] === 0xff && address[11] === 0xff) {
    return "::ffff:" + formatDotted(address, 12);
  }
  // Longest run of zero words, at least two long; the first one on a tie (RFC 5952 s4.2).
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  let w = 0;
  while (w <= 8) {
    const zero = w < 8 && address[w * 2] === 0 && address[w * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) {
        runStart = w;
      }
    } else if (runStart >= 0) {
      if (w - runStart > bestLength) {
        bestStart = runStart;
        bestLength = w - runStart;
      }
      runStart = -1;
    }
    w++;
  }
  let text = "";
  w = 0;
  while (w < 8) {
    if (w === bestStart) {
      text += w === 0 ? "::" : ":";
      w += bestLength;
      continue;
    }
    text += ((address[w * 2] << 8) | address[w * 2 + 1]).toString(16);
    if (w < 7) {
      text += ":";
    }
    w++;
  }
  return text;
}
