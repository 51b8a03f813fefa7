// Random sources for the selection policies. A source is a plain function
// returning a uint32. The core never seeds itself: a platform source wraps
// Platform.random(bytes), tests use the seeded xorshift.

/** A function returning uniformly distributed uint32 values. */
export type RandomSource = () => number;

/**
 * A source drawing from a byte filler (e.g. Platform.random), 64 values at a
 * time so the filler is called once per 256 bytes.
 */
export function createRandomSource(fill: (into: Uint8Array) => void): RandomSource {
  const buffer = new Uint8Array(256);
  let position = 256;
  return function (): number {
    if (position >= 256) {
      fill(buffer);
      position = 0;
    }
    const b = buffer;
    const p = position;
    position = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  };
}

/**
 * Marsaglia's xorshift128 seeded from one number: deterministic, for tests,
 * benchmarks and simulations. Not for anything that needs unpredictability.
 */
export function createXorshift(seed: number): RandomSource {
  let x = (seed | 0) ^ 0x6a09e667;
  let y = 0xbb67ae85 | 0;
  let z = 0x3c6ef372;
  let w = 0xa54ff53a | 0;
  if ((x | y | z | w) === 0) x = 1;
  // Discard the first values: small seeds start from correlated states.
  for (let i = 0; i < 16; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ t ^ (t >>> 8);
  }
  return function (): number {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ t ^ (t >>> 8);
    return w >>> 0;
  };
}

/**
 * A uniform integer in [0, bound) for bound <= 2^53, from two draws (53 bits),
 * so large weighted sums (weights and loads are 32-bit) keep their proportions.
 */
export function randomBelow(random: RandomSource, bound: number): number {
  const high = random() >>> 11; // 21 bits
  const low = random();
  return (high * 4294967296 + low) % bound;
}
