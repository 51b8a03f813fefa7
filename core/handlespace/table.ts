// Small hash tables on typed arrays. The handlespace keeps every index it
// needs here instead of in Map/Set, so the same code runs on Espruino (no
// Map) and allocates nothing per lookup. All hashing is shift/add only (no
// Math.imul, which Espruino lacks).

/** Integer mix of a 32-bit value (Thomas Wang's shift/add hash). Returns int32. */
export function mix32(key: number): number {
  key = (~key + (key << 15)) | 0;
  key = key ^ (key >>> 12);
  key = (key + (key << 2)) | 0;
  key = key ^ (key >>> 4);
  key = (key + (key << 3) + (key << 11)) | 0;
  return key ^ (key >>> 16);
}

/** Hash of `length` bytes at `offset` (h * 33 + b), then mixed. Returns int32. */
export function hashBytes(bytes: Uint8Array, offset: number, length: number): number {
  let h = 5381;
  for (let i = 0; i < length; i++) h = ((h << 5) + h + bytes[offset + i]) | 0;
  return mix32(h ^ length);
}

/** Smallest power of two >= n (n >= 1, result <= 2^30). */
export function powerOfTwoAtLeast(n: number): number {
  let c = 1;
  while (c < n) c = c * 2;
  return c;
}

/**
 * Open-addressing map from uint32 keys to int32 values >= 0, linear probing
 * with backward-shift deletion (no tombstones, so churn does not degrade it).
 * Keeps the load factor at or below 1/2.
 */
export class U32Table {
  keys_: Uint32Array;
  values_: Int32Array;
  mask_: number;
  size_: number;

  constructor(initialCapacity: number) {
    const capacity = powerOfTwoAtLeast(initialCapacity < 8 ? 8 : initialCapacity);
    this.keys_ = new Uint32Array(capacity);
    this.values_ = new Int32Array(capacity);
    this.values_.fill(-1);
    this.mask_ = capacity - 1;
    this.size_ = 0;
  }

  /** The value stored for `key`, or -1. */
  get_(key: number): number {
    const keys = this.keys_;
    const values = this.values_;
    const mask = this.mask_;
    let i = mix32(key) & mask;
    for (;;) {
      const v = values[i];
      if (v < 0) return -1;
      if (keys[i] === key) return v;
      i = (i + 1) & mask;
    }
  }

  /** Stores `value` (>= 0) for `key`, replacing an existing value. */
  set_(key: number, value: number): void {
    if ((this.size_ + 1) * 2 > this.mask_ + 1) this.resize_((this.mask_ + 1) * 2);
    const keys = this.keys_;
    const values = this.values_;
    const mask = this.mask_;
    let i = mix32(key) & mask;
    for (;;) {
      if (values[i] < 0) {
        keys[i] = key;
        values[i] = value;
        this.size_++;
        return;
      }
      if (keys[i] === key) {
        values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes `key`; returns its value or -1. */
  remove_(key: number): number {
    const keys = this.keys_;
    const values = this.values_;
    const mask = this.mask_;
    let i = mix32(key) & mask;
    for (;;) {
      const v = values[i];
      if (v < 0) return -1;
      if (keys[i] === key) break;
      i = (i + 1) & mask;
    }
    const removed = values[i];
    // Backward-shift: pull later entries of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    while (values[j] >= 0) {
      const home = mix32(keys[j]) & mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    values[hole] = -1;
    keys[hole] = 0;
    this.size_--;
    if (this.mask_ > 7 && this.size_ * 8 < this.mask_ + 1) this.resize_((this.mask_ + 1) / 2);
    return removed;
  }

  private resize_(capacity: number): void {
    const oldKeys = this.keys_;
    const oldValues = this.values_;
    this.keys_ = new Uint32Array(capacity);
    this.values_ = new Int32Array(capacity);
    this.values_.fill(-1);
    this.mask_ = capacity - 1;
    this.size_ = 0;
    for (let i = 0; i < oldValues.length; i++) {
      if (oldValues[i] >= 0) this.set_(oldKeys[i], oldValues[i]);
    }
  }
}
