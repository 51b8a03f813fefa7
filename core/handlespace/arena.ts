// A byte arena with power-of-two size classes (8 ... 2048 bytes) and one
// free list per class. The handlespace keeps every PE's transport addresses
// here, so a PE costs a few bytes of one shared buffer instead of one
// Uint8Array object per address. Blocks never move relative to the buffer
// start: an offset stays valid while the buffer grows.

const MIN_SHIFT = 3; // 8-byte blocks
const CLASSES = 9; // 8, 16, ..., 2048
/** Largest block the arena hands out. */
export const ARENA_MAX_BLOCK = 2048;

export class ByteArena {
  bytes: Uint8Array;
  used: number;
  freeHeads: Int32Array;

  constructor(initialBytes: number) {
    this.bytes = new Uint8Array(initialBytes < 64 ? 64 : initialBytes);
    this.used = 0;
    this.freeHeads = new Int32Array(CLASSES);
    this.freeHeads.fill(-1);
  }

  /** Size class index for a block of `size` bytes (size <= ARENA_MAX_BLOCK). */
  classOf(size: number): number {
    let c = 0;
    let block = 1 << MIN_SHIFT;
    while (block < size) {
      block = block * 2;
      c++;
    }
    return c;
  }

  /** Allocates a block of at least `size` bytes (1 ... ARENA_MAX_BLOCK); returns its offset. */
  allocate(size: number): number {
    const c = this.classOf(size);
    const head = this.freeHeads[c];
    if (head >= 0) {
      this.freeHeads[c] = readInt32(this.bytes, head);
      return head;
    }
    const block = 1 << (c + MIN_SHIFT);
    if (this.used + block > this.bytes.length) this.grow(this.used + block);
    const offset = this.used;
    this.used += block;
    return offset;
  }

  /** Returns the block at `offset`, allocated with `size`, to its free list. */
  free(offset: number, size: number): void {
    const c = this.classOf(size);
    writeInt32(this.bytes, offset, this.freeHeads[c]);
    this.freeHeads[c] = offset;
  }

  private grow(needed: number): void {
    let length = this.bytes.length;
    // Double while small, then grow by a quarter: bounded slack for big tables.
    while (length < needed) length = length < 1048576 ? length * 2 : length + (length >> 2);
    const next = new Uint8Array(length);
    next.set(this.bytes);
    this.bytes = next;
  }
}

function readInt32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
}

function writeInt32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >> 8) & 0xff;
  b[o + 2] = (v >> 16) & 0xff;
  b[o + 3] = (v >> 24) & 0xff;
}
