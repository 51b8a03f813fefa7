// Seeded structure-aware mutations of ASAP/ENRP encodings for the fuzz test.
// The TLV walker knows which parameters nest others (RFC 5354 s3) so length
// lies and insertions can hit nested TLVs and keep enclosing lengths right.
// This module holds no tests.

/** mulberry32: small, fast, seeded. */
export function createRandom(seed: number): { next(): number; below(n: number): number; chance(p: number): boolean } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
  };
}

export type Random = ReturnType<typeof createRandom>;

export interface TlvNode {
  offset: number;
  /** Declared length (header included, padding excluded). */
  length: number;
  /** Offsets of the enclosing TLVs / error causes, outermost first. */
  parents: number[];
}

export interface Layout {
  nodes: TlvNode[];
  /** Positions where a TLV may be inserted, with the TLVs enclosing them. */
  slots: { position: number; parents: number[] }[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Fixed bytes after the common header before the first parameter (RFC 5352 s2.2, RFC 5353 s2). */
export function bodyStart(protocol: "asap" | "enrp", type: number): number {
  if (protocol === "asap") return type === 0x07 || type === 0x0a ? 8 : 4;
  if (type === 0x04 || type === 0x07 || type === 0x08 || type === 0x09) return 16;
  return 12;
}

/** Fixed bytes after the TLV header before nested TLVs, or -1 for a leaf. */
function containerFixed(type: number): number {
  switch (type & 0x3fff) {
    case 0x3: return 8; // DCCP: port, reserved, service code
    case 0x4: case 0x5: case 0x6: case 0x7: return 4; // port, use/reserved
    case 0xa: return 12; // PE id, home PR id, registration life
    case 0xb: return 4; // server id
    default: return -1;
  }
}

function u16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}

function walkList(b: Uint8Array, start: number, end: number, parents: number[], out: Layout, causes: boolean, depth: number): void {
  let pos = start;
  out.slots.push({ position: pos, parents });
  while (pos + 4 <= end && depth < 8) {
    const type = u16(b, pos);
    const len = u16(b, pos + 2);
    if (len < 4 || pos + len > end) return;
    out.nodes.push({ offset: pos, length: len, parents });
    const inner = parents.concat(pos);
    if (causes) {
      // Error cause: 1, 3, 5, 7 carry a parameter (RFC 5354 s3.11).
      if ((type === 1 || type === 3 || type === 5 || type === 7) && len > 4) walkList(b, pos + 4, pos + len, inner, out, false, depth + 1);
    } else if ((type & 0x3fff) === 0xc) {
      walkList(b, pos + 4, pos + len, inner, out, true, depth + 1);
    } else {
      const fixed = containerFixed(type);
      if (fixed >= 0 && 4 + fixed <= len) walkList(b, pos + 4 + fixed, pos + len, inner, out, false, depth + 1);
    }
    pos += pad4(len);
    if (pos <= end) out.slots.push({ position: pos, parents });
  }
}

export function layout(b: Uint8Array, protocol: "asap" | "enrp"): Layout {
  const out: Layout = { nodes: [], slots: [] };
  if (b.length < 4) return out;
  const start = bodyStart(protocol, b[0]);
  if (start <= b.length) walkList(b, start, b.length, [], out, false, 0);
  return out;
}

function put16(b: Uint8Array, off: number, v: number): void {
  if (off + 1 < b.length) {
    b[off] = (v >> 8) & 0xff;
    b[off + 1] = v & 0xff;
  }
}

/** Inserts bytes at `position`, growing the message length and every enclosing length. */
function insertAt(b: Uint8Array, position: number, parents: number[], bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + bytes.length);
  out.set(b.subarray(0, position), 0);
  out.set(bytes, position);
  out.set(b.subarray(position), position + bytes.length);
  for (const p of parents) put16(out, p + 2, u16(out, p + 2) + bytes.length);
  put16(out, 2, out.length);
  return out;
}

function removeRange(b: Uint8Array, start: number, end: number, parents: number[]): Uint8Array {
  const n = end - start;
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, start), 0);
  out.set(b.subarray(end), start);
  for (const p of parents) put16(out, p + 2, u16(out, p + 2) - n);
  put16(out, 2, out.length);
  return out;
}

const INTERESTING = [0x00, 0x01, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff];

function randomTlv(r: Random, action: number): Uint8Array {
  // Mostly unknown codes; sometimes a known one (with the action bits) carrying junk.
  const code = r.chance(0.3) ? 1 + r.below(16) : 0x10 + r.below(0x3ff0);
  const type = (action << 14) | code;
  const bodyLength = r.below(4) === 0 ? 0 : r.below(25);
  const out = new Uint8Array(pad4(4 + bodyLength));
  put16(out, 0, type);
  put16(out, 2, 4 + bodyLength);
  for (let i = 0; i < bodyLength; i++) out[4 + i] = r.below(256);
  return out;
}

export const MUTATIONS = [
  "bitflip", "byteset", "truncate", "message-length", "tlv-length", "splice", "insert-tlv", "duplicate-tlv", "remove-tlv", "swap-tlv", "retype",
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * Applies one mutation. `corpus` supplies splice partners. Returns a new
 * buffer (never modifies `b`).
 */
export function mutateOnce(r: Random, kind: Mutation, b: Uint8Array, protocol: "asap" | "enrp", corpus: Uint8Array[]): Uint8Array {
  switch (kind) {
    case "bitflip": {
      const out = b.slice();
      if (out.length === 0) return out;
      for (let k = 1 + r.below(4); k > 0; k--) {
        const bit = r.below(out.length * 8);
        out[bit >> 3] ^= 1 << (bit & 7);
      }
      return out;
    }
    case "byteset": {
      const out = b.slice();
      if (out.length === 0) return out;
      for (let k = 1 + r.below(4); k > 0; k--) out[r.below(out.length)] = r.chance(0.5) ? INTERESTING[r.below(INTERESTING.length)] : r.below(256);
      return out;
    }
    case "truncate": {
      const out = b.slice(0, r.below(b.length + 1));
      if (r.chance(0.5)) put16(out, 2, out.length);
      return out;
    }
    case "message-length": {
      const out = b.slice();
      const choices = [b.length + 1, b.length - 1, b.length + 4, b.length - 4, 0, 3, 4, 0xffff, r.below(0x10000)];
      put16(out, 2, choices[r.below(choices.length)] & 0xffff);
      return out;
    }
    case "tlv-length": {
      const nodes = layout(b, protocol).nodes;
      if (nodes.length === 0) return mutateOnce(r, "message-length", b, protocol, corpus);
      const n = nodes[r.below(nodes.length)];
      const out = b.slice();
      const choices = [n.length + 1, n.length - 1, n.length + 4, n.length - 4, 0, 1, 3, 4, 0xffff, b.length - n.offset, b.length - n.offset + 4, r.below(0x10000)];
      put16(out, n.offset + 2, Math.max(0, choices[r.below(choices.length)]) & 0xffff);
      return out;
    }
    case "splice": {
      const other = corpus[r.below(corpus.length)];
      const a = layout(b, protocol).slots;
      const c = layout(other, protocol).slots;
      const cut = a.length > 0 && r.chance(0.7) ? a[r.below(a.length)].position : r.below(b.length + 1);
      const from = c.length > 0 && r.chance(0.7) ? c[r.below(c.length)].position : r.below(other.length + 1);
      const out = new Uint8Array(cut + other.length - from);
      out.set(b.subarray(0, cut), 0);
      out.set(other.subarray(from), cut);
      if (r.chance(0.7)) put16(out, 2, out.length);
      return out;
    }
    case "insert-tlv": {
      const slots = layout(b, protocol).slots;
      if (slots.length === 0) return mutateOnce(r, "bitflip", b, protocol, corpus);
      const slot = slots[r.below(slots.length)];
      return insertAt(b, slot.position, slot.parents, randomTlv(r, r.below(4)));
    }
    case "duplicate-tlv": {
      const l = layout(b, protocol);
      if (l.nodes.length === 0 || l.slots.length === 0) return mutateOnce(r, "bitflip", b, protocol, corpus);
      const n = l.nodes[r.below(l.nodes.length)];
      const copy = b.slice(n.offset, Math.min(b.length, n.offset + pad4(n.length)));
      const slot = l.slots[r.below(l.slots.length)];
      return insertAt(b, slot.position, slot.parents, copy);
    }
    case "remove-tlv": {
      const nodes = layout(b, protocol).nodes;
      if (nodes.length === 0) return mutateOnce(r, "truncate", b, protocol, corpus);
      const n = nodes[r.below(nodes.length)];
      return removeRange(b, n.offset, Math.min(b.length, n.offset + pad4(n.length)), n.parents);
    }
    case "swap-tlv": {
      const nodes = layout(b, protocol).nodes;
      for (let i = 0; i + 1 < nodes.length; i++) {
        const x = nodes[i];
        const y = nodes[i + 1];
        const xEnd = x.offset + pad4(x.length);
        if (y.offset === xEnd && y.parents.length === x.parents.length && r.chance(0.5)) {
          const yEnd = Math.min(b.length, y.offset + pad4(y.length));
          const out = b.slice();
          out.set(b.subarray(y.offset, yEnd), x.offset);
          out.set(b.subarray(x.offset, xEnd), x.offset + (yEnd - y.offset));
          return out;
        }
      }
      return mutateOnce(r, "byteset", b, protocol, corpus);
    }
    case "retype": {
      const out = b.slice();
      if (out.length > 0) out[0] = r.chance(0.9) ? 1 + r.below(15) : r.below(256);
      return out;
    }
  }
}
