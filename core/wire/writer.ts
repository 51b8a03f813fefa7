// A reusable, growable byte writer owned by the caller. Encoders reset it,
// write a message into it and hand out a view that stays valid until the
// writer's next use. The view is cached: encoding a message of the same
// length into the same buffer returns the same Uint8Array object, so a
// steady stream of encodes allocates nothing.

/** Largest ASAP/ENRP message or TLV: the 16-bit length fields (RFC 5352 s2.2, RFC 5354 s2). */
export const MAX_LENGTH = 0xffff;

export interface Writer {
  /** Backing store; replaced (doubled) when it is too small. */
  bytes: Uint8Array;
  /** DataView over `bytes`, replaced with it. */
  view_: DataView;
  /** Bytes written so far. */
  length: number;
  /** Cached view handed out by finishWriter (internal). */
  out_: Uint8Array | null;
}

export function createWriter(initialCapacity: number): Writer {
  let capacity = initialCapacity | 0;
  if (capacity < 16) {
    capacity = 16;
  }
  const bytes = new Uint8Array(capacity);
  return { bytes: bytes, view_: new DataView(bytes.buffer, 0, capacity), length: 0, out_: null };
}

/** Makes room for `count` more bytes, doubling the capacity as needed. */
export function ensureWriter(writer: Writer, count: number): void {
  const needed = writer.length + count;
  const old = writer.bytes;
  if (needed <= old.length) {
    return;
  }
  let capacity = old.length * 2;
  while (capacity < needed) {
    capacity = capacity * 2;
  }
  const bytes = new Uint8Array(capacity);
  bytes.set(old.subarray(0, writer.length), 0);
  writer.bytes = bytes;
  writer.view_ = new DataView(bytes.buffer, 0, capacity);
}

export function resetWriter(writer: Writer): void {
  writer.length = 0;
}

export function writeU8(writer: Writer, value: number): void {
  ensureWriter(writer, 1);
  writer.bytes[writer.length] = value & 0xff;
  writer.length += 1;
}

export function writeU16(writer: Writer, value: number): void {
  ensureWriter(writer, 2);
  const b = writer.bytes;
  const p = writer.length;
  b[p] = (value >>> 8) & 0xff;
  b[p + 1] = value & 0xff;
  writer.length = p + 2;
}

/**
 * Writes 32 bits, big-endian. Encoders pass `field | 0`: a uint32 above
 * 2^31 handed to a call as is would be boxed (an allocation per call in V8).
 */
export function writeU32(writer: Writer, value: number): void {
  ensureWriter(writer, 4);
  const b = writer.bytes;
  const p = writer.length;
  b[p] = (value >>> 24) & 0xff;
  b[p + 1] = (value >>> 16) & 0xff;
  b[p + 2] = (value >>> 8) & 0xff;
  b[p + 3] = value & 0xff;
  writer.length = p + 4;
}

export function writeBytes(writer: Writer, data: Uint8Array): void {
  const n = data.length;
  ensureWriter(writer, n);
  writer.bytes.set(data, writer.length);
  writer.length += n;
}

/** Overwrites a 16-bit field at an absolute position already written. */
export function patchU16(writer: Writer, position: number, value: number): void {
  const b = writer.bytes;
  b[position] = (value >>> 8) & 0xff;
  b[position + 1] = value & 0xff;
}

/** Appends zero bytes up to the next multiple of 4 (RFC 5354 s2). */
export function writePadding(writer: Writer): void {
  const pad = (4 - (writer.length & 3)) & 3;
  if (pad === 0) {
    return;
  }
  ensureWriter(writer, pad);
  const b = writer.bytes;
  let p = writer.length;
  const end = p + pad;
  while (p < end) {
    b[p] = 0;
    p++;
  }
  writer.length = end;
}

/**
 * Reserves a TLV header (type now, length later) and returns its position;
 * pair with endTlv once the value is written (protobuf.js fork/ldelim).
 */
export function beginTlv(writer: Writer, type: number): number {
  const position = writer.length;
  writeU16(writer, type);
  writeU16(writer, 0);
  return position;
}

/**
 * A caller bug: the record cannot be encoded. `what` names the field at
 * fault by its property name ("poolHandle", "length", "policy.type", ...).
 */
export function cannotEncode(what: string): never {
  throw new Error("wire: cannot encode " + what);
}

/** Fills the TLV length (header + value, without padding) and pads (RFC 5354 s2). */
export function endTlv(writer: Writer, position: number): void {
  const length = writer.length - position;
  if (length > MAX_LENGTH) {
    cannotEncode("length"); // over 65535 bytes
  }
  patchU16(writer, position + 2, length);
  writePadding(writer);
}

/** Returns a view of the written bytes, reusing the previous one when it still fits. */
export function finishWriter(writer: Writer): Uint8Array {
  const out = writer.out_;
  const bytes = writer.bytes;
  if (out !== null && out.buffer === bytes.buffer && out.length === writer.length) {
    return out;
  }
  const view = bytes.subarray(0, writer.length);
  writer.out_ = view;
  return view;
}
