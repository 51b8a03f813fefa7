// A 4-ary min-heap of PE slots by deadline (absolute ms). Keys are stored in
// heap order next to the slots, so a sift compares neighbouring memory (four
// children share a cache line) instead of chasing slots; four children per
// node halve the depth of a binary heap. Every slot has at most one entry;
// position[slot] is its heap index or -1.

export class DeadlineHeap {
  keys: Float64Array;
  slots: Int32Array;
  position: Int32Array;
  size: number;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    this.position.fill(-1);
    this.size = 0;
  }

  /** Resizes to `capacity` slots (>= every slot in use). */
  resize(capacity: number): void {
    const keys = new Float64Array(capacity);
    const slots = new Int32Array(capacity);
    const position = new Int32Array(capacity);
    for (let i = 0; i < this.size; i++) {
      keys[i] = this.keys[i];
      slots[i] = this.slots[i];
    }
    const n = this.position.length < capacity ? this.position.length : capacity;
    for (let i = 0; i < n; i++) position[i] = this.position[i];
    for (let i = n; i < capacity; i++) position[i] = -1;
    this.keys = keys;
    this.slots = slots;
    this.position = position;
  }

  /** The slot with the earliest deadline, or -1. */
  top(): number {
    return this.size > 0 ? this.slots[0] : -1;
  }

  /** The earliest deadline (size > 0). */
  topKey(): number {
    return this.keys[0];
  }

  /** The slot's deadline, or -1 when it has none. */
  deadline(slot: number): number {
    const i = this.position[slot];
    return i < 0 ? -1 : this.keys[i];
  }

  /** Sets (or moves) the slot's deadline. */
  set(slot: number, deadline: number): void {
    const i = this.position[slot];
    if (i < 0) {
      this.up(this.size++, slot, deadline);
    } else if (deadline < this.keys[i]) {
      this.up(i, slot, deadline);
    } else {
      this.down(i, slot, deadline);
    }
  }

  /** Removes the slot's entry, if any. */
  remove(slot: number): void {
    const i = this.position[slot];
    if (i < 0) return;
    this.position[slot] = -1;
    const last = --this.size;
    if (i === last) return;
    const moved = this.slots[last];
    const key = this.keys[last];
    if (i > 0 && key < this.keys[(i - 1) >> 2]) this.up(i, moved, key);
    else this.down(i, moved, key);
  }

  /** Places (slot, key) at hole i or above it. */
  private up(i: number, slot: number, key: number): void {
    const keys = this.keys;
    const slots = this.slots;
    const position = this.position;
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
  private down(i: number, slot: number, key: number): void {
    const keys = this.keys;
    const slots = this.slots;
    const position = this.position;
    const n = this.size;
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
