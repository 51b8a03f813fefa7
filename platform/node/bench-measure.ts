// Shared measuring helpers of the benchmarks (bench-wire, bench-client,
// bench-registrar): a rate loop that reads the clock once per 1024 calls,
// heap deltas over windows with no GC inside, and a seeded byte source.

export type Op = () => number;

/** Runs op for about `seconds` after a warm-up, checking the clock once per 1024 calls; calls/s. */
export function measureRate(op: Op, seconds: number): number {
  let sink = 0;
  const warmEnd = performance.now() + Math.min(250, seconds * 250);
  while (performance.now() < warmEnd) for (let i = 0; i < 1024; i++) sink += op();
  const start = performance.now();
  const end = start + seconds * 1000;
  let n = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1024; i++) sink += op();
    n += 1024;
    now = performance.now();
  }
  if (sink === -1) process.stdout.write(""); // keeps `sink` alive
  return n / ((now - start) / 1000);
}

/** Two event-loop turns: enough for a PerformanceObserver to deliver pending gc entries. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Heap delta over n calls with no GC inside the window (n halves on retry), or null if one always intervened. */
export async function heapDelta(op: Op, n: number, gc: () => void, gcCount: () => number): Promise<{ delta: number; n: number } | null> {
  for (let attempt = 0; attempt < 6 && n >= 1000; attempt++, n = n >> 1) {
    gc();
    await settle();
    const before = gcCount();
    let sink = 0;
    const h0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) sink += op();
    const h1 = process.memoryUsage().heapUsed;
    await settle(); // let the observer deliver gc entries of the window
    if (sink === -1) process.stdout.write("");
    if (gcCount() === before) return { delta: h1 - h0, n };
  }
  return null;
}

/**
 * Bytes allocated per call of op: the lower of two windows of n calls, each
 * minus the delta of an empty loop over as many calls; null when every
 * window saw a GC. Run after a warm-up, in a process started with --expose-gc.
 */
export async function bytesPerCall(op: Op, n: number, gc: () => void, gcCount: () => number): Promise<number | null> {
  const empty: Op = () => 1;
  let best: number | null = null;
  for (let round = 0; round < 2; round++) {
    const used = await heapDelta(op, n, gc, gcCount);
    const base = await heapDelta(empty, used === null ? 1000 : used.n, gc, gcCount);
    if (used === null || base === null) continue;
    const perCall = Math.max(0, (used.delta - (base.delta * used.n) / base.n) / used.n);
    best = best === null ? perCall : Math.min(best, perCall);
  }
  return best;
}

/** A seeded xorshift32 byte source (Platform.random shape) for reproducible benchmarks. */
export function seededBytes(seed: number): (into: Uint8Array) => void {
  let x = seed >>> 0 || 1;
  return (into) => {
    for (let i = 0; i < into.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      into[i] = x & 0xff;
    }
  };
}
