/** A uniform pseudo-random number in [0, 1). */
export type Prng = () => number;

/**
 * mulberry32: tiny, fast and good enough for sampling and simulation.
 * Everything reproducible in the engine draws from this, never from Math.random.
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer uniformly drawn from [0, bound). */
export function randomIndex(random: Prng, bound: number): number {
  return Math.floor(random() * bound);
}
