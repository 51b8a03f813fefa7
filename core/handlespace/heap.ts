// A 4-ary min-heap of PE slots by deadline (absolute ms). Keys are stored in
// heap order next to the slots, so a sift compares neighbouring memory (four
// children share a cache line) instead of chasing slots; four children per
// node halve the depth of a binary heap. Every slot has at most one entry;
// position[slot] is its heap index or -1.

export class DeadlineHeap {
  keys_: Float64Array;
  slots_: Int32Array;
  position_: Int32Array;
  size_: number;

  constructor(capacity: number) {
    this.keys_ = new Float64Array(capacity);
    this.slots_ = new Int32Array(capacity);
    this.position_ = new Int32Array(capacity);
    this.position_.fill(-1);
    this.size_ = 0;
  }

  /** Resizes to `capacity` slots (>= every slot in use). */
  resize_(capacity: number): void {
    const keys = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    const position = new Int32Array(capacity);
    for (let i = 0; i < this.size_; i++) {
      keys[i] = this.keys_[i];
      slots[i] = this.slots_[i];
    }
    const n = this.position_.length < capacity ? this.position_.length : capacity;
    for (let i = 0; i < n; i++) position[i] = this.position_[i];
    for (let i = n; i < capacity; i++) position[i] = -1;
    this.keys_ = keys;
    this.slots_ = slots;
    this.position_ = position;
  }

  /** The slot with the earliest deadline, or -1. */
  top_(): number {
    return this.size_ > 0 ? this.slots_[0] : -1;
  }

  /** The earliest deadline (size > 0). */
  topKey_(): number {
    return this.keys_[0];
  }

  /** The slot's deadline, or -1 when it has none. */
  deadline_(slot: number): number {
    const i = this.position_[slot];
    return i < 0 ? -1 : this.keys_[i];
  }

  /** Sets (or moves) the slot's deadline. */
  set_(slot: number, deadline: number): void {
    const i = this.position_[slot];
    if (i < 0) {
      this.up_(this.size_++, slot, deadline);
    } else if (deadline < this.keys_[i]) {
      this.up_(i, slot, deadline);
    } else {
      this.down_(i, slot, deadline);
    }
  }

  /** Removes the slot's entry, if any. */
  remove_(slot: number): void {
    const i = this.position_[slot];
    if (i < 0) return;
    this.position_[slot] = -1;
    const last = --this.size_;
    if (i === last) return;
    const moved = this.slots_[last];
    const key = this.keys_[last];
    if (i > 0 && key < this.keys_[(i - 1) >> 2]) this.up_(i, moved, key);
    else this.down_(i, moved, key);
  }

  /** Places (slot, key) at hole i or above it. */
  private up_(i: number, slot: number, key: number): void {
    const keys = this.keys_;
    const slots = this.slots_;
    const position = this.position_;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const k = keys[parent];
      if (k <= key) break;
      keys[i] = k;
      const s = slots[parent];
      slots[i] = s;
      position[s] = i;
      i = parent;
    }
    keys[i] = key;
    slots[i] = slot;
    position[slot] = i;
  }

  /** Places (slot, key) at hole i or below it. */
  private down_(i: number, slot: number, key: number): void {
    const keys = this.keys_;
    const slots = this.slots_;
    const position = this.position_;
    const n = this.size_;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let child = first;
      let k = keys[first];
      const end = first + 4 < n ? first + 4 : n;
      for (let c = first + 1; c < end; c++) {
        if (keys[c] < k) {
          k = keys[c];
          child = c;
        }
      }
      if (k >= key) break;
      keys[i] = k;
      const s = slots[child];
      slots[i] = s;
      position[s] = i;
      i = child;
    }
    keys[i] = key;
    slots[i] = slot;
    position[slot] = i;
  }
}
