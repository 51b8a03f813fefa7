// A pool: its handle, the settings its first PE fixed (RFC 5352 s3.1.1:
// policy type, transport protocol, data/control flag) and the selection
// structure of its PEs (see policy.ts for the two engines).
//
// Sorting-order pools keep their PE slots sorted by (key, sequence number) in
// the window order[lo .. hi-1] of an Int32Array with free room on both
// sides: a consumed PE usually leaves the front and rejoins at the back, so
// round robin costs O(log n) (binary search) and O(1) moves, and the window
// is moved back to the start only when it reaches the end (amortised O(1)).
//
// Randomized pools keep their PE slots in order[0 .. count-1] (a PE's
// position is in aux[slot]) and a Fenwick tree of the weights, so a draw,
// an insertion and a removal are O(log n) whatever the pool size.
import { randomBelow, type RandomSource } from "./random.js";
import type { PolicyModule, PolicyStore } from "./policy.js";

/** The per-PE arrays the pool engine uses: the policy's plus sequence numbers. */
export interface SlotStore extends PolicyStore {
  seq: Uint32Array;
}

/** An output array of PE references. */
export type RefArray = Int32Array | number[];

export class Pool {
  index: number;
  handle: Uint8Array;
  hash: number;
  /** Unfolded checksum sum of the handle (checksum.ts). */
  handleSum: number;
  policy: PolicyModule;
  /** Transport parameter type of the user transport (PARAM_*_TRANSPORT). */
  protocol: number;
  /** The data/control flag: transport use is data plus control. */
  control: boolean;
  count: number;
  /** Next sequence number (sorting-order pools). */
  seq: number;
  order: Int32Array;
  lo: number;
  hi: number;
  /** Fenwick tree of weights, 1-based (randomized pools), else null. */
  tree: Float64Array | null;
  /** Sum of weights (randomized pools). */
  total: number;
  /** Next pool in the same hash bucket, -1 for none. */
  chain: number;

  constructor(index: number, handle: Uint8Array, hash: number, handleSum: number, policy: PolicyModule,
    protocol: number, control: boolean) {
    this.index = index;
    this.handle = handle;
    this.hash = hash;
    this.handleSum = handleSum;
    this.policy = policy;
    this.protocol = protocol;
    this.control = control;
    this.count = 0;
    this.seq = 0;
    this.order = new Int32Array(4);
    this.lo = 0;
    this.hi = 0;
    this.tree = policy.randomized ? new Float64Array(5) : null;
    this.total = 0;
    this.chain = -1;
  }

  /** Adds a new PE (its policy fields and state already set). */
  attach(s: SlotStore, slot: number): void {
    if (this.tree !== null) this.randomInsert(s, slot);
    else this.sortedInsert(s, slot);
  }

  /** Removes a PE; its key or weight must be what it was when attached. */
  detach(s: SlotStore, slot: number): void {
    if (this.tree !== null) this.randomRemove(s, slot);
    else this.sortedRemove(s, slot);
  }

  /**
   * Selects up to k PEs into out[0 ...], returns how many. The first
   * min(k, maxIncrement) are consumed (maxIncrement 0: the policy default).
   */
  select(s: SlotStore, random: RandomSource, k: number, out: RefArray, maxIncrement: number,
    sequenceLimit: number): number {
    let n = k < this.count ? k : this.count;
    if (n > out.length) n = out.length;
    if (n <= 0) return 0;
    const policy = this.policy;
    const consume = maxIncrement > 0 ? maxIncrement : policy.defaultMaxIncrement;
    if (policy.prepare !== null) policy.prepare(s, this);
    if (this.tree !== null) return this.randomSelect(s, random, n, out, consume);
    if (this.seq + n > sequenceLimit) this.resequence(s);
    const order = this.order;
    const lo = this.lo;
    for (let i = 0; i < n; i++) out[i] = order[lo + i];
    const m = consume < n ? consume : n;
    const select = policy.select;
    for (let i = 0; i < m; i++) {
      const slot = out[i];
      this.sortedRemove(s, slot);
      s.seq[slot] = this.seq++;
      if (select !== null) select(s, slot);
      this.sortedInsert(s, slot);
    }
    return n;
  }

  // ---- sorting order --------------------------------------------------------

  /** <0, 0, >0 as slot a sorts before, equal to, after slot b. */
  private compare(s: SlotStore, a: number, b: number): number {
    const key = this.policy.key as (s: PolicyStore, slot: number) => number;
    const ka = key(s, a);
    const kb = key(s, b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return s.seq[a] - s.seq[b];
  }

  /** Renumbers the sequence 0 .. count-1 in the current order (rsplib resequencing). */
  resequence(s: SlotStore): void {
    let n = 0;
    for (let i = this.lo; i < this.hi; i++) s.seq[this.order[i]] = n++;
    this.seq = n;
  }

  private sortedInsert(s: SlotStore, slot: number): void {
    let lo = this.lo;
    let hi = this.hi;
    let position: number;
    // Fast path: after the last (a consumed PE with the newest sequence number).
    if (hi === lo || this.compare(s, this.order[hi - 1], slot) < 0) {
      position = hi;
    } else {
      let a = lo;
      let b = hi - 1;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (this.compare(s, this.order[mid], slot) > 0) b = mid;
        else a = mid + 1;
      }
      position = a;
    }
    let order = this.order;
    // Keep a quarter free so the window rarely has to move (amortised O(1)).
    if (this.count + 1 > order.length - (order.length >> 2)) {
      this.resize(order.length * 2);
      position -= lo;
      order = this.order;
      lo = 0;
      hi = this.hi;
    }
    if (hi === order.length && position === hi) {
      // Appending at the end of the array: move the window to the start.
      for (let i = lo; i < hi; i++) order[i - lo] = order[i];
      position -= lo;
      hi -= lo;
      lo = 0;
      this.lo = 0;
      this.hi = hi;
    }
    if (lo > 0 && (position - lo < hi - position || hi === order.length)) {
      for (let i = lo; i < position; i++) order[i - 1] = order[i];
      order[position - 1] = slot;
      this.lo = lo - 1;
    } else {
      for (let i = hi; i > position; i--) order[i] = order[i - 1];
      order[position] = slot;
      this.hi = hi + 1;
    }
    this.count++;
  }

  private sortedFind(s: SlotStore, slot: number): number {
    const order = this.order;
    const lo = this.lo;
    const hi = this.hi;
    if (order[lo] === slot) return lo;
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.compare(s, order[mid], slot) < 0) a = mid + 1;
      else b = mid;
    }
    if (a < hi && order[a] === slot) return a;
    // Not where its key says: a key changed while attached (a bug); scan.
    for (let i = lo; i < hi; i++) if (order[i] === slot) return i;
    return -1;
  }

  private sortedRemove(s: SlotStore, slot: number): void {
    const p = this.sortedFind(s, slot);
    if (p < 0) return;
    const order = this.order;
    const lo = this.lo;
    const hi = this.hi;
    if (p - lo < hi - 1 - p) {
      for (let i = p; i > lo; i--) order[i] = order[i - 1];
      this.lo = lo + 1;
    } else {
      for (let i = p; i < hi - 1; i++) order[i] = order[i + 1];
      this.hi = hi - 1;
    }
    this.count--;
    if (this.count === 0) {
      this.lo = 0;
      this.hi = 0;
    }
    if (order.length > 8 && this.count * 4 < order.length) this.resize(order.length >> 1);
  }

  /** Reallocates the order array, moving the window to its start. */
  private resize(capacity: number): void {
    const next = new Int32Array(capacity);
    const order = this.order;
    let n = 0;
    for (let i = this.lo; i < this.hi; i++) next[n++] = order[i];
    this.order = next;
    this.lo = 0;
    this.hi = n;
  }

  // ---- randomized -----------------------------------------------------------

  private randomSelect(s: SlotStore, random: RandomSource, n: number, out: RefArray, consume: number): number {
    const policy = this.policy;
    const weight = policy.weight as (s: PolicyStore, slot: number) => number;
    const select = policy.select;
    let taken = 0;
    // Draw without replacement: a drawn PE's weight is taken out of the tree
    // until all draws are done (rsplib unlinks it from the value tree).
    for (let i = 0; i < n; i++) {
      if (this.total < 1) break;
      const index = this.search(randomBelow(random, this.total));
      const slot = this.order[index];
      out[taken++] = slot;
      this.add(index, -weight(s, slot));
      if (i < consume && select !== null) select(s, slot);
    }
    for (let i = 0; i < taken; i++) {
      const slot = out[i];
      this.add(s.aux[slot], weight(s, slot));
    }
    return taken;
  }

  private randomInsert(s: SlotStore, slot: number): void {
    if (this.count === this.order.length) this.rebuild(s, this.order.length * 2);
    const index = this.count;
    this.order[index] = slot;
    s.aux[slot] = index;
    this.count = index + 1;
    this.hi = this.count;
    this.add(index, (this.policy.weight as (s: PolicyStore, slot: number) => number)(s, slot));
  }

  private randomRemove(s: SlotStore, slot: number): void {
    const weight = this.policy.weight as (s: PolicyStore, slot: number) => number;
    const index = s.aux[slot];
    const last = this.count - 1;
    this.add(index, -weight(s, slot));
    if (index !== last) {
      const moved = this.order[last];
      const w = weight(s, moved);
      this.add(last, -w);
      this.order[index] = moved;
      s.aux[moved] = index;
      this.add(index, w);
    }
    this.count = last;
    this.hi = last;
    if (this.count === 0) this.total = 0; // drop any rounding residue (weights are integers)
    if (this.order.length > 8 && this.count * 4 < this.order.length) this.rebuild(s, this.order.length >> 1);
  }

  /** Weight changed from `before` to the policy's current weight (re-registration). */
  reweigh(s: SlotStore, slot: number, before: number): void {
    const after = (this.policy.weight as (s: PolicyStore, slot: number) => number)(s, slot);
    if (after !== before) this.add(s.aux[slot], after - before);
  }

  private add(index: number, delta: number): void {
    const tree = this.tree as Float64Array;
    const size = tree.length - 1;
    for (let i = index + 1; i <= size; i += i & -i) tree[i] += delta;
    this.total += delta;
  }

  /** The member index whose cumulative weight range holds value (0 <= value < total). */
  private search(value: number): number {
    const tree = this.tree as Float64Array;
    const size = tree.length - 1;
    let position = 0;
    for (let step = size; step > 0; step >>= 1) {
      const next = position + step;
      if (next <= size && tree[next] <= value) {
        position = next;
        value -= tree[next];
      }
    }
    return position < this.count ? position : this.count - 1;
  }

  private rebuild(s: SlotStore, capacity: number): void {
    const weight = this.policy.weight as (s: PolicyStore, slot: number) => number;
    const next = new Int32Array(capacity);
    for (let i = 0; i < this.count; i++) next[i] = this.order[i];
    this.order = next;
    this.tree = new Float64Array(capacity + 1);
    this.total = 0;
    for (let i = 0; i < this.count; i++) this.add(i, weight(s, next[i]));
  }
}
