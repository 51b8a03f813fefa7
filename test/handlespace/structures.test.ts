// The handlespace's building blocks against simple models: the uint32 hash
// table, the byte arena, the deadline heap, the random sources.
import t from "tap";
import { U32Table } from "../../core/handlespace/table.js";
import { ByteArena } from "../../core/handlespace/arena.js";
import { DeadlineHeap } from "../../core/handlespace/heap.js";
import { createRandomSource, createXorshift, randomBelow } from "../../core/handlespace/random.js";

function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648);
}

t.test("U32Table matches a Map through heavy churn with colliding keys", async (t) => {
  const table = new U32Table(8);
  const model = new Map<number, number>();
  const next = lcg(5);
  let bad = 0;
  for (let step = 0; step < 200000; step++) {
    // Few distinct keys, many near each other: long probe runs, wrap-around, shrinking.
    const key = (next() % 700) * 0x10000 + (step % 3 === 0 ? 0xffffffff - 700 : 0);
    const k = key >>> 0;
    const r = next() % 3;
    if (r === 0) {
      table.set_(k, step);
      model.set(k, step);
    } else if (r === 1) {
      if (table.remove_(k) !== (model.has(k) ? model.get(k) : -1)) bad++;
      model.delete(k);
    } else if (table.get_(k) !== (model.has(k) ? model.get(k) : -1)) {
      bad++;
    }
    if (table.size_ !== model.size) bad++;
  }
  for (const [k, v] of model) if (table.get_(k) !== v) bad++;
  t.equal(bad, 0);
});

t.test("ByteArena reuses freed blocks per size class and keeps contents across growth", async (t) => {
  const arena = new ByteArena(64);
  const next = lcg(9);
  const live = new Map<number, Uint8Array>();
  let bad = 0;
  for (let step = 0; step < 20000; step++) {
    if (next() % 2 === 0 || live.size === 0) {
      const size = 1 + (next() % 1100);
      const offset = arena.allocate_(size);
      const content = new Uint8Array(size).map(() => next() & 0xff);
      arena.bytes_.set(content, offset);
      for (const [o, c] of live) if (offset < o + c.length && o < offset + size) bad++; // overlap
      live.set(offset, content);
    } else {
      const offsets = [...live.keys()];
      const o = offsets[next() % offsets.length];
      const c = live.get(o)!;
      for (let i = 0; i < c.length; i++) if (arena.bytes_[o + i] !== c[i]) { bad++; break; }
      arena.free_(o, c.length);
      live.delete(o);
    }
  }
  t.equal(bad, 0);
  const peak = arena.used_;
  // Free everything, allocate it again: the arena does not grow.
  const sizes = [...live.values()].map((c) => c.length);
  for (const [o, c] of live) arena.free_(o, c.length);
  for (const size of sizes) arena.allocate_(size);
  t.equal(arena.used_, peak);
});

t.test("DeadlineHeap pops in deadline order through updates and removals", async (t) => {
  const heap = new DeadlineHeap(4);
  const next = lcg(11);
  const model = new Map<number, number>();
  let capacity = 4;
  for (let step = 0; step < 5000; step++) {
    const slot = next() % 300;
    if (slot >= capacity) {
      capacity = 512;
      heap.resize_(capacity);
    }
    if (next() % 4 === 0) {
      heap.remove_(slot);
      model.delete(slot);
    } else {
      const d = next() % 1000;
      heap.set_(slot, d);
      model.set(slot, d);
    }
  }
  const popped: number[] = [];
  for (let top = heap.top_(); top >= 0; top = heap.top_()) {
    popped.push(heap.deadline_(top));
    if (heap.topKey_() !== heap.deadline_(top)) popped.push(-1);
    heap.remove_(top);
  }
  t.same(popped, [...model.values()].sort((a, b) => a - b));
});

t.test("random sources: xorshift is deterministic, the byte source reads big-endian 32-bit words", async (t) => {
  const a = createXorshift(42);
  const b = createXorshift(42);
  const c = createXorshift(43);
  const sa = Array.from({ length: 5 }, () => a());
  t.same(sa, Array.from({ length: 5 }, () => b()));
  t.not(sa.join(), Array.from({ length: 5 }, () => c()).join());
  t.ok(sa.every((v) => (v | 0) === v), "int32 values (passed unboxed)");
  let fills = 0;
  const source = createRandomSource((into) => {
    fills++;
    for (let i = 0; i < into.length; i++) into[i] = (i * 37 + 0x80) & 0xff;
  });
  t.equal(source() >>> 0, 0x80a5caef);
  t.equal(source() >>> 0, 0x14395e83);
  for (let i = 0; i < 62; i++) source();
  t.equal(fills, 1);
  source();
  t.equal(fills, 2, "refilled after 256 bytes");
  const r = createXorshift(1);
  let bad = 0;
  for (const bound of [1, 2, 3, 1000, 2 ** 40 + 7]) {
    for (let i = 0; i < 1000; i++) {
      const v = randomBelow(r, bound);
      if (!Number.isInteger(v) || v < 0 || v >= bound) bad++;
    }
  }
  t.equal(bad, 0);
});
