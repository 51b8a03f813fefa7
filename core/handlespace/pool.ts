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
// position is its aux field) and a Fenwick tree of the weights, so a draw,
// an insertion and a removal are O(log n) whatever the pool size.
import type { RandomSource } from "./random.js";
import { auxOf, setAux, type PolicyModule, type PolicyStore } from "./policy.js";
import { F_KEY, F_SEQ, RECORD_WORDS } from "./layout.js";

/** The PE records as the pool engine sees them (the sequence number is in there too). */
export type SlotStore = PolicyStore;

/** An output array of PE references. */
export type RefArray = Int32Array | number[];

export class Pool {
  index_: number;
  /**
   * A copy of the handle, made the first time someone asks for it (the
   * handlespace keeps handles in a compact table; most pools are never asked).
   */
  handleCopy_: Uint8Array | null;
  /** Unfolded checksum sum of the handle (checksum.ts). */
  handleSum_: number;
  policy_: PolicyModule;
  /** Transport parameter type of the user transport (PARAM_*_TRANSPORT). */
  protocol_: number;
  /** The data/control flag: transport use is data plus control. */
  control_: boolean;
  count_: number;
  /** Next sequence number (sorting-order pools). */
  seq_: number;
  order_: Int32Array;
  lo_: number;
  hi_: number;
  /**
   * Randomized pools: the Fenwick tree of weights, 1-based, with the sum of
   * all weights in element 0 (a typed-array cell, so updating it never boxes
   * a double); sorting-order pools: null.
   */
  tree_: Float64Array | null;

  constructor(index: number, handleSum: number, policy: PolicyModule, protocol: number, control: boolean) {
    this.index_ = index;
    this.handleCopy_ = null;
    this.handleSum_ = handleSum;
    this.policy_ = policy;
    this.protocol_ = protocol;
    this.control_ = control;
    this.count_ = 0;
    this.seq_ = 0;
    this.order_ = new Int32Array(4);
    this.lo_ = 0;
    this.hi_ = 0;
    this.tree_ = policy.randomized_ ? new Float64Array(5) : null;
  }

  /** Adds a PE (its policy fields and state set): computes its key or weight and inserts it. */
  attach_(s: SlotStore, slot: number): void {
    if (this.tree_ !== null) {
      (this.policy_.weight_ as (s: PolicyStore, slot: number) => void)(s, slot);
      this.randomInsert_(s, slot);
    } else {
      (this.policy_.key_ as (s: PolicyStore, slot: number) => void)(s, slot);
      this.sortedInsert_(s, slot);
    }
  }

  /** Removes a PE (found by the key or weight stored when it was attached). */
  detach_(s: SlotStore, slot: number): void {
    if (this.tree_ !== null) this.randomRemove_(s, slot);
    else this.sortedRemove_(s, slot);
  }

  /**
   * Selects up to k PEs into out[0 ...], returns how many. The first
   * min(k, maxIncrement) are consumed (maxIncrement 0: the policy default).
   */
  select_(s: SlotStore, random: RandomSource, k: number, out: RefArray, maxIncrement: number,
    sequenceLimit: number): number {
    let n = k < this.count_ ? k : this.count_;
    if (n > out.length) n = out.length;
    if (n <= 0) return 0;
    const policy = this.policy_;
    const consume = maxIncrement > 0 ? maxIncrement : policy.defaultMaxIncrement_;
    if (policy.prepare_ !== null) policy.prepare_(s, this);
    if (this.tree_ !== null) return this.randomSelect_(s, random, n, out, consume);
    if (this.seq_ + n > sequenceLimit) this.resequence_(s);
    const order = this.order_;
    const lo = this.lo_;
    for (let i = 0; i < n; i++) out[i] = order[lo + i];
    const m = consume < n ? consume : n;
    const select = policy.select_;
    const key = policy.key_ as (s: PolicyStore, slot: number) => void;
    for (let i = 0; i < m; i++) {
      const slot = out[i];
      this.sortedRemove_(s, slot);
      s.u[slot * RECORD_WORDS + F_SEQ] = this.seq_++;
      if (select !== null) select(s, slot);
      key(s, slot);
      this.sortedInsert_(s, slot);
    }
    return n;
  }

  // ---- sorting order --------------------------------------------------------

  /** <0, 0, >0 as slot a sorts before, equal to, after slot b (stored keys, then sequence numbers). */
  private compare_(s: SlotStore, a: number, b: number): number {
    const ra = a * RECORD_WORDS;
    const rb = b * RECORD_WORDS;
    const ka = s.f[(ra + F_KEY) >> 1];
    const kb = s.f[(rb + F_KEY) >> 1];
    if (ka !== kb) return ka < kb ? -1 : 1;
    return s.u[ra + F_SEQ] - s.u[rb + F_SEQ];
  }

  /** Renumbers the sequence 0 .. count-1 in the current order (rsplib resequencing). */
  resequence_(s: SlotStore): void {
    let n = 0;
    for (let i = this.lo_; i < this.hi_; i++) s.u[this.order_[i] * RECORD_WORDS + F_SEQ] = n++;
    this.seq_ = n;
  }

  private sortedInsert_(s: SlotStore, slot: number): void {
    let lo = this.lo_;
    let hi = this.hi_;
    let position: number;
    // Fast path: after the last (a consumed PE with the newest sequence number).
    if (hi === lo || this.compare_(s, this.order_[hi - 1], slot) < 0) {
      position = hi;
    } else {
      let a = lo;
      let b = hi - 1;
      while (a < b) {
        const mid = (a + b) >> 1;
        if (this.compare_(s, this.order_[mid], slot) > 0) b = mid;
        else a = mid + 1;
      }
      position = a;
    }
    let order = this.order_;
    // Keep a quarter free so the window rarely has to move (amortised O(1)).
    if (this.count_ + 1 > order.length - (order.length >> 2)) {
      this.resize_(order.length * 2);
      position -= lo;
      order = this.order_;
      lo = 0;
      hi = this.hi_;
    }
    if (hi === order.length && position === hi) {
      // Appending at the end of the array: move the window to the start.
      for (let i = lo; i < hi; i++) order[i - lo] = order[i];
      position -= lo;
      hi -= lo;
      lo = 0;
      this.lo_ = 0;
      this.hi_ = hi;
    }
    if (lo > 0 && (position - lo < hi - position || hi === order.length)) {
      for (let i = lo; i < position; i++) order[i - 1] = order[i];
      order[position - 1] = slot;
      this.lo_ = lo - 1;
    } else {
      for (let i = hi; i > position; i--) order[i] = order[i - 1];
      order[position] = slot;
      this.hi_ = hi + 1;
    }
    this.count_++;
  }

  private sortedFind_(s: SlotStore, slot: number): number {
    const order = this.order_;
    const lo = this.lo_;
    const hi = this.hi_;
    if (order[lo] === slot) return lo;
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (this.compare_(s, order[mid], slot) < 0) a = mid + 1;
      else b = mid;
    }
    if (a < hi && order[a] === slot) return a;
    // Not where its key says: a key changed while attached (a bug); scan.
    for (let i = lo; i < hi; i++) if (order[i] === slot) return i;
    return -1;
  }

  private sortedRemove_(s: SlotStore, slot: number): void {
    const p = this.sortedFind_(s, slot);
    if (p < 0) return;
    const order = this.order_;
    const lo = this.lo_;
    const hi = this.hi_;
    if (p - lo < hi - 1 - p) {
      for (let i = p; i > lo; i--) order[i] = order[i - 1];
      this.lo_ = lo + 1;
    } else {
      for (let i = p; i < hi - 1; i++) order[i] = order[i + 1];
      this.hi_ = hi - 1;
    }
    this.count_--;
    if (this.count_ === 0) {
      this.lo_ = 0;
      this.hi_ = 0;
    }
    if (order.length > 8 && this.count_ * 4 < order.length) this.resize_(order.length >> 1);
  }

  /** Reallocates the order array, moving the window to its start. */
  private resize_(capacity: number): void {
    const next = new Int32Array(capacity);
    const order = this.order_;
    let n = 0;
    for (let i = this.lo_; i < this.hi_; i++) next[n++] = order[i];
    this.order_ = next;
    this.lo_ = 0;
    this.hi_ = n;
  }

  // ---- randomized -----------------------------------------------------------

  // Weights are read from the PE records inside these methods and never
  // passed as arguments or returned: V8 would box such doubles (32-bit
  // weights exceed its small integers) on every call that is not inlined.

  private randomSelect_(s: SlotStore, random: RandomSource, n: number, out: RefArray, consume: number): number {
    const policy = this.policy_;
    const select = policy.select_;
    const tree = this.tree_ as Float64Array;
    const size = tree.length - 1;
    let taken = 0;
    // Draw without replacement: a drawn PE's weight is taken out of the tree
    // until all draws are done (rsplib unlinks it from the value tree).
    for (let i = 0; i < n; i++) {
      const total = tree[0];
      if (total < 1) break;
      // 53 random bits (two draws), so 32-bit weights keep their proportions.
      const high = random() >>> 11;
      const low = random() >>> 0;
      let value = (high * 4294967296 + low) % total;
      // Fenwick descent: the member whose cumulative weight range holds value.
      let index = 0;
      for (let step = size; step > 0; step >>= 1) {
        const next = index + step;
        if (next <= size && tree[next] <= value) {
          index = next;
          value -= tree[next];
        }
      }
      if (index >= this.count_) index = this.count_ - 1;
      const slot = this.order_[index];
      out[taken++] = slot;
      this.addWeight_(s, index, slot, -1);
      if (i < consume && select !== null) select(s, slot);
    }
    const weight = policy.weight_ as (s: PolicyStore, slot: number) => void;
    for (let i = 0; i < taken; i++) {
      const slot = out[i];
      weight(s, slot);
      this.addWeight_(s, auxOf(s, slot), slot, 1);
    }
    return taken;
  }

  private randomInsert_(s: SlotStore, slot: number): void {
    if (this.count_ === this.order_.length) this.rebuild_(s, this.order_.length * 2);
    const index = this.count_;
    this.order_[index] = slot;
    setAux(s, slot, index);
    this.count_ = index + 1;
    this.hi_ = this.count_;
    this.addWeight_(s, index, slot, 1);
  }

  private randomRemove_(s: SlotStore, slot: number): void {
    const index = auxOf(s, slot);
    const last = this.count_ - 1;
    this.addWeight_(s, index, slot, -1);
    if (index !== last) {
      const moved = this.order_[last];
      this.addWeight_(s, last, moved, -1);
      this.order_[index] = moved;
      setAux(s, moved, index);
      this.addWeight_(s, index, moved, 1);
    }
    this.count_ = last;
    this.hi_ = last;
    if (this.count_ === 0) (this.tree_ as Float64Array)[0] = 0;
    if (this.order_.length > 8 && this.count_ * 4 < this.order_.length) this.rebuild_(s, this.order_.length >> 1);
  }

  /** Recomputes a randomized PE's weight after its values or state changed (re-registration). */
  reweigh_(s: SlotStore, slot: number): void {
    const index = auxOf(s, slot);
    this.addWeight_(s, index, slot, -1);
    (this.policy_.weight_ as (s: PolicyStore, slot: number) => void)(s, slot);
    this.addWeight_(s, index, slot, 1);
  }

  /** Adds sign x the slot's stored weight at member `index` of the Fenwick tree. */
  private addWeight_(s: SlotStore, index: number, slot: number, sign: number): void {
    const delta = sign * s.f[(slot * RECORD_WORDS + F_KEY) >> 1];
    const tree = this.tree_ as Float64Array;
    const size = tree.length - 1;
    for (let i = index + 1; i <= size; i += i & -i) tree[i] += delta;
    tree[0] += delta;
  }

  private rebuild_(s: SlotStore, capacity: number): void {
    const next = new Int32Array(capacity);
    for (let i = 0; i < this.count_; i++) next[i] = this.order_[i];
    this.order_ = next;
    this.tree_ = new Float64Array(capacity + 1);
    for (let i = 0; i < this.count_; i++) this.addWeight_(s, i, next[i], 1);
  }
}
