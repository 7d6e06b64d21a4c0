import { createPrng } from '../datasets/random.ts';
import type { VectorIndex } from './vector-index.ts';

/**
 * Reproducible vectors shaped like sentence embeddings: points scattered around `clusters` random
 * directions (topics), so nearest neighbours are meaningful and not all equally far, as they would
 * be for uniform noise. Same arguments, same vectors.
 */
export function syntheticVectors(
  count: number,
  dimensions: number,
  seed: number,
  clusters = 64,
): Float32Array[] {
  const random = createPrng(seed);
  const gaussian = () => {
    const u = random() || Number.MIN_VALUE;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: dimensions }, gaussian),
  );
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random() * clusters)] as Float32Array;
    return Float32Array.from(centre, (value) => value + 0.9 * gaussian());
  });
}

export interface RecallReport {
  /** Share of the exact top-k the approximate index also returned, averaged over the queries. */
  recall: number;
  queries: number;
  k: number;
  /** Mean wall time of one query, per index. */
  exactMs: number;
  approximateMs: number;
}

/** Recall@k of `approximate` against `exact` (the truth) over `queries`, with each one's mean query latency. */
export async function measureRecall(
  exact: VectorIndex,
  approximate: VectorIndex,
  queries: readonly Float32Array[],
  k: number,
): Promise<RecallReport> {
  let found = 0;
  let exactMs = 0;
  let approximateMs = 0;
  for (const query of queries) {
    let start = performance.now();
    const truth = await exact.search(query, k);
    exactMs += performance.now() - start;
    start = performance.now();
    const answer = new Set((await approximate.search(query, k)).map((hit) => hit.index));
    approximateMs += performance.now() - start;
    found += truth.filter((hit) => answer.has(hit.index)).length / Math.max(truth.length, 1);
  }
  const n = Math.max(queries.length, 1);
  return {
    recall: found / n,
    queries: queries.length,
    k,
    exactMs: exactMs / n,
    approximateMs: approximateMs / n,
  };
}
