// A binary min-heap of PE slots by deadline (absolute ms). Every slot has at
// most one entry; position[slot] is its heap index or -1.

export class DeadlineHeap {
  deadline: Float64Array;
  position: Int32Array;
  heap: Int32Array;
  size: number;

  constructor(capacity: number) {
    this.deadline = new Float64Array(capacity);
    this.position = new Int32Array(capacity);
    this.position.fill(-1);
    this.heap = new Int32Array(capacity);
    this.size = 0;
  }

  /** Resizes the per-slot arrays to `capacity` slots (>= every slot in use). */
  resize(capacity: number): void {
    const deadline = new Float64Array(capacity);
    const position = new Int32Array(capacity);
    const heap = new Int32Array(capacity);
    const n = this.deadline.length < capacity ? this.deadline.length : capacity;
    for (let i = 0; i < n; i++) {
      deadline[i] = this.deadline[i];
      position[i] = this.position[i];
    }
    for (let i = n; i < capacity; i++) position[i] = -1;
    for (let i = 0; i < this.size; i++) heap[i] = this.heap[i];
    this.deadline = deadline;
    this.position = position;
    this.heap = heap;
  }

  /** The slot with the earliest deadline, or -1. */
  top(): number {
    return this.size > 0 ? this.heap[0] : -1;
  }

  /** Sets (or moves) the slot's deadline. */
  set(slot: number, deadline: number): void {
    const i = this.position[slot];
    this.deadline[slot] = deadline;
    if (i < 0) {
      const n = this.size++;
      this.heap[n] = slot;
      this.position[slot] = n;
      this.up(n);
    } else {
      this.up(i);
      this.down(this.position[slot]);
    }
  }

  /** Removes the slot's entry, if any. */
  remove(slot: number): void {
    const i = this.position[slot];
    if (i < 0) return;
    this.position[slot] = -1;
    const last = --this.size;
    if (i !== last) {
      const moved = this.heap[last];
      this.heap[i] = moved;
      this.position[moved] = i;
      this.up(i);
      this.down(this.position[moved]);
    }
  }

  private up(i: number): void {
    const heap = this.heap;
    const deadline = this.deadline;
    const position = this.position;
    const slot = heap[i];
    const d = deadline[slot];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (deadline[p] <= d) break;
      heap[i] = p;
      position[p] = i;
      i = parent;
    }
    heap[i] = slot;
    position[slot] = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const deadline = this.deadline;
    const position = this.position;
    const n = this.size;
    const slot = heap[i];
    const d = deadline[slot];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && deadline[heap[child + 1]] < deadline[heap[child]]) child++;
      const c = heap[child];
      if (deadline[c] >= d) break;
      heap[i] = c;
      position[c] = i;
      i = child;
    }
    heap[i] = slot;
    position[slot] = i;
  }
}
