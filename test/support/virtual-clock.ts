// A virtual clock for deterministic tests: `now` is a number, timers sit in
// a binary heap ordered by deadline then insertion, and time only moves
// when a test calls advance / advanceTo / step / runUntilIdle / runUntil.
// A fired timer sees `now` equal to its own deadline (or the current time
// if its deadline was already in the past: the clock never goes back).

export type TimerCallback = (target: unknown) => void;

interface TimerEntry {
  id: number;
  deadline: number;
  sequence: number;
  fire: TimerCallback;
  target: unknown;
  /** Position in the heap, -1 once fired or cancelled. */
  index: number;
}

/** Thrown when a run exceeds its step bound (a livelock in the code under test). */
export class StepLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepLimitError";
  }
}

const DEFAULT_MAX_STEPS = 1_000_000;

export class VirtualClock {
  /** Current virtual time in ms. */
  now: number;
  /** Timers fired so far. */
  fired = 0;
  private heap: TimerEntry[] = [];
  private byId = new Map<number, TimerEntry>();
  private nextId = 1;
  private nextSequence = 0;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError("startMs must be finite");
    this.now = startMs;
  }

  /** Schedule `fire(target)` at an absolute deadline; returns an id > 0. */
  schedule(deadline: number, fire: TimerCallback, target: unknown): number {
    if (typeof deadline !== "number" || Number.isNaN(deadline)) throw new TypeError("deadline must be a number");
    const entry: TimerEntry = {
      id: this.nextId++,
      deadline,
      sequence: this.nextSequence++,
      fire,
      target,
      index: this.heap.length,
    };
    this.heap.push(entry);
    this.siftUp(entry.index);
    this.byId.set(entry.id, entry);
    return entry.id;
  }

  /** Schedule after a delay from now. */
  after(delayMs: number, fire: TimerCallback, target: unknown): number {
    return this.schedule(this.now + delayMs, fire, target);
  }

  /** Cancel a pending timer; returns false if it already fired or is unknown. */
  cancel(id: number): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    this.byId.delete(id);
    this.removeAt(entry.index);
    return true;
  }

  /** Number of pending timers. */
  pending(): number {
    return this.heap.length;
  }

  /** Earliest pending deadline, or -1. */
  nextDeadline(): number {
    return this.heap.length > 0 ? this.heap[0].deadline : -1;
  }

  /** Fire the earliest timer (moving time forward to it). False if none. */
  step(): boolean {
    if (this.heap.length === 0) return false;
    const entry = this.heap[0];
    this.removeAt(0);
    this.byId.delete(entry.id);
    if (entry.deadline > this.now) this.now = entry.deadline;
    this.fired++;
    entry.fire(entry.target);
    return true;
  }

  /** Fire every timer due by `time` in order, then set now = time. Returns steps. */
  advanceTo(time: number, maxSteps = DEFAULT_MAX_STEPS): number {
    if (time < this.now) throw new RangeError(`cannot go back in time (${time} < ${this.now})`);
    let steps = 0;
    while (this.heap.length > 0 && this.heap[0].deadline <= time) {
      if (steps >= maxSteps) throw new StepLimitError(`advanceTo(${time}): more than ${maxSteps} timers`);
      this.step();
      steps++;
    }
    this.now = time;
    return steps;
  }

  /** advanceTo(now + ms). */
  advance(ms: number, maxSteps = DEFAULT_MAX_STEPS): number {
    if (!(ms >= 0)) throw new RangeError("ms must be >= 0");
    return this.advanceTo(this.now + ms, maxSteps);
  }

  /** Fire timers until none is pending or maxSteps fired. Returns steps used. */
  runUntilIdle(maxSteps: number): number {
    let steps = 0;
    while (steps < maxSteps && this.step()) steps++;
    return steps;
  }

  /**
   * Fire timers until `done()` holds (checked before each step), none is
   * pending, or maxSteps fired. Returns steps used, or -1 if done() never held.
   */
  runUntil(done: () => boolean, maxSteps: number): number {
    let steps = 0;
    for (;;) {
      if (done()) return steps;
      if (steps >= maxSteps || !this.step()) return done() ? steps : -1;
      steps++;
    }
  }

  // Heap order: deadline, then insertion sequence (FIFO among equal deadlines).
  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index];
    const last = heap.pop() as TimerEntry;
    removed.index = -1;
    if (index < heap.length) {
      heap[index] = last;
      last.index = index;
      this.siftDown(index);
      this.siftUp(last.index);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (!this.less(entry, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.less(heap[right], heap[left]) ? right : left;
      if (!this.less(heap[child], entry)) break;
      heap[index] = heap[child];
      heap[index].index = index;
      index = child;
    }
    heap[index] = entry;
    entry.index = index;
  }
}

/**
 * Seeded PRNG: xoshiro128** (32-bit state words, period 2^128 - 1), seeded
 * through splitmix32 so any integer seed gives a well-mixed state.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const t = Math.imul(s1, 5);
    const result = Math.imul((t << 7) | (t >>> 25), 9) >>> 0;
    const shifted = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= shifted;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.s0 = n0 >>> 0;
    this.s1 = n1 >>> 0;
    this.s2 = n2 >>> 0;
    this.s3 = n3 >>> 0;
    return result;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.nextFloat() * bound);
  }

  /** Fill with random bytes. */
  fill(into: Uint8Array): void {
    let i = 0;
    while (i < into.length) {
      let word = this.nextUint32();
      for (let k = 0; k < 4 && i < into.length; k++, i++) {
        into[i] = word & 0xff;
        word >>>= 8;
      }
    }
  }
}
