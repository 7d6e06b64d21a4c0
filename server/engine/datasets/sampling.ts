import { createPrng, randomIndex } from './random.ts';

/**
 * Which dataset indices an experiment runs, in the order it runs them.
 * `count >= size` takes the whole dataset in file order; otherwise a seeded partial
 * Fisher–Yates shuffle picks `count` distinct indices in O(count) time and memory
 * (the swapped slots live in a Map, so a 100 000-item dataset costs nothing extra).
 */
export function sampleIndices(size: number, count: number, seed: number): number[] {
  assertCount('size', size);
  assertCount('count', count);
  if (count >= size) return Array.from({ length: size }, (_, index) => index);

  const random = createPrng(foldSeed(seed));
  const swapped = new Map<number, number>();
  const slot = (index: number): number => swapped.get(index) ?? index;
  const picked: number[] = [];
  for (let position = 0; position < count; position++) {
    const target = position + randomIndex(random, size - position);
    const value = slot(target);
    swapped.set(target, slot(position));
    picked.push(value);
  }
  return picked;
}

function assertCount(label: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${label} must be a non-negative integer, got ${value}`);
  }
}

/** Keeps seeds above 2^32 (and negative ones) distinct from their low 32 bits alone. */
function foldSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.trunc(seed);
  const low = whole >>> 0;
  const high = Math.floor(whole / 0x1_0000_0000) >>> 0;
  return (low ^ Math.imul(high, 0x9e3779b1)) >>> 0;
}
