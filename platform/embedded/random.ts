// Fallback random source for hosts that give the platform none.
//
// NOT FOR SECURITY. xorshift32 seeded from the clock (and Math.random where
// the engine has one) is predictable; it only spreads PE identifiers, the
// registrar hunt and policy choices. Pass a real source (`random` option:
// a hardware RNG, /dev/urandom through a native module) wherever an attacker
// could profit from guessing identifiers.

/** A Platform.random filling its argument from a xorshift32 state. */
export function createFallbackRandom(seed: number): (into: Uint8Array) => void {
  // xorshift32 must not start at 0.
  let state = seed >>> 0;
  if (state === 0) state = 0x9e3779b9;
  return function random(into: Uint8Array): void {
    let s = state;
    for (let i = 0; i < into.length; i++) {
      if ((i & 3) === 0) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        s >>>= 0;
      }
      into[i] = (s >>> ((i & 3) << 3)) & 0xff;
    }
    state = s;
  };
}

/** A seed from a clock reading in ms (its fraction too) and Math.random when present. */
export function clockSeed(nowMs: number): number {
  let seed = (nowMs >>> 0) ^ ((nowMs * 1000) % 0x100000000 >>> 0);
  // Math is a built-in everywhere; random is missing on no engine we know,
  // but a stripped build may lack it.
  if (typeof Math.random === "function") seed ^= (Math.random() * 0x100000000) >>> 0;
  return seed >>> 0;
}
