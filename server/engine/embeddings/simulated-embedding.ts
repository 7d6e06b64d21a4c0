import { normalizeText, tokenize } from '../retrieval/tokenize.ts';

/**
 * The offline embedding "models": lexical feature hashing, not a neural model. Each word and each
 * character trigram of a word is hashed to a signed dimension and weighted by 1 + ln(tf); the vector
 * is L2-normalised, so the cosine of two texts grows with their shared words and word pieces
 * ("rivets" is near "riveted"). Deterministic, free, and good enough to exercise every dense path.
 */

/** Word pieces count less than whole words: they only break ties between related forms. */
const TRIGRAM_WEIGHT = 0.5;

export function simulatedEmbedding(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const counts = new Map<string, number>();
  const add = (feature: string) => counts.set(feature, (counts.get(feature) ?? 0) + 1);
  for (const word of tokenize(text)) {
    add(`w:${word}`);
    const padded = `^${normalizeText(word)}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`);
  }
  for (const [feature, count] of counts) {
    const hash = fnv1a(feature);
    const sign = hash & 1 ? 1 : -1;
    const dimension = (hash >>> 1) % dimensions;
    const weight = feature.startsWith('t:') ? TRIGRAM_WEIGHT : 1;
    vector[dimension] = (vector[dimension] as number) + sign * weight * (1 + Math.log(count));
  }
  const norm = Math.hypot(...vector);
  return Array.from(vector, (value) => (norm === 0 ? 0 : value / norm));
}

/** 32-bit FNV-1a: stable across runs and platforms, which a hash of features must be. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
