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
  bytes_: Uint8Array;
  used_: number;
  freeHeads_: Int32Array;

  constructor(initialBytes: number) {
    this.bytes_ = new Uint8Array(initialBytes < 64 ? 64 : initialBytes);
    this.used_ = 0;
    this.freeHeads_ = new Int32Array(CLASSES);
    this.freeHeads_.fill(-1);
  }

  /** Size class index for a block of `size` bytes (size <= ARENA_MAX_BLOCK). */
  classOf_(size: number): number {
    let c = 0;
    let block = 1 << MIN_SHIFT;
    while (block < size) {
      block = block * 2;
      c++;
    }
    return c;
  }

  /** Allocates a block of at least `size` bytes (1 ... ARENA_MAX_BLOCK); returns its offset. */
  allocate_(size: number): number {
    const c = this.classOf_(size);
    const head = this.freeHeads_[c];
    if (head >= 0) {
      this.freeHeads_[c] = readInt32(this.bytes_, head);
      return head;
    }
    const block = 1 << (c + MIN_SHIFT);
    if (this.used_ + block > this.bytes_.length) this.grow_(this.used_ + block);
    const offset = this.used_;
    this.used_ += block;
    return offset;
  }

  /** Returns the block at `offset`, allocated with `size`, to its free list. */
  free_(offset: number, size: number): void {
    const c = this.classOf_(size);
    writeInt32(this.bytes_, offset, this.freeHeads_[c]);
    this.freeHeads_[c] = offset;
  }

  private grow_(needed: number): void {
    let length = this.bytes_.length;
    // Double while small, then grow by a quarter: bounded slack for big tables.
    while (length < needed) length = length < 1048576 ? length * 2 : length + (length >> 2);
    const next = new Uint8Array(length);
    next.set(this.bytes_);
    this.bytes_ = next;
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
