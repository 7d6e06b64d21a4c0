import { Index, MetricKind } from 'usearch';
import type { VectorHit, VectorIndex } from './vector-index.ts';

/**
 * Up to this many vectors an index is searched exactly (brute force: every vector compared); above
 * it, an approximate HNSW graph (usearch) answers instead. At 384 dimensions sqlite-vec's exact scan
 * of 25 000 vectors took 66–98 ms per question on a busy 2-core machine, against about 1 ms for the
 * graph at a recall@10 of 0.998; `npm run ann-recall` measures both on a synthetic set.
 */
export const EXACT_SEARCH_LIMIT = 20_000;

/** HNSW graph settings: 16 links per node, a wide candidate list on insert and search (recall over speed). */
const CONNECTIVITY = 16;
const EXPANSION_ADD = 128;
const EXPANSION_SEARCH = 128;
/** Vectors added per slice: building yields to the event loop between slices, so a server keeps answering. */
const ADD_SLICE = 2_000;

/**
 * An approximate nearest-neighbour index (usearch's HNSW, cosine metric) over passage vectors; key
 * = passage position. Saved to and opened from a file, so a restart reads the graph instead of
 * rebuilding it.
 */
export class ApproximateVectorIndex implements VectorIndex {
  readonly engine = 'usearch HNSW (approximate)';

  private constructor(private readonly index: Index) {}

  get dimensions(): number {
    return this.index.dimensions();
  }

  get size(): number {
    return this.index.size();
  }

  /** Builds the graph in slices; `threads` 0 lets usearch use every core, 1 gives a reproducible graph. */
  static async build(
    vectors: readonly Float32Array[],
    options: { threads?: number } = {},
  ): Promise<ApproximateVectorIndex> {
    const dimensions = vectors[0]?.length ?? 0;
    if (dimensions === 0)
      throw new RangeError('a vector index needs at least one non-empty vector');
    const index = ApproximateVectorIndex.empty(dimensions);
    for (let start = 0; start < vectors.length; start += ADD_SLICE) {
      const slice = vectors.slice(start, start + ADD_SLICE);
      const matrix = new Float32Array(slice.length * dimensions);
      slice.forEach((vector, offset) => {
        matrix.set(vector, offset * dimensions);
      });
      const keys = BigUint64Array.from(slice, (_vector, offset) => BigInt(start + offset));
      index.add(keys, matrix, options.threads ?? 0);
      if (start + ADD_SLICE < vectors.length) await new Promise((done) => setImmediate(done));
    }
    return new ApproximateVectorIndex(index);
  }

  /** Reads a graph {@link save}d before; null when the file is missing or is not a graph of `dimensions`. */
  static open(path: string, dimensions: number): ApproximateVectorIndex | null {
    const index = ApproximateVectorIndex.empty(dimensions);
    try {
      index.load(path);
    } catch {
      return null;
    }
    return index.dimensions() === dimensions ? new ApproximateVectorIndex(index) : null;
  }

  save(path: string): void {
    this.index.save(path);
  }

  async search(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const count = Math.min(k, this.size);
    if (count === 0) return [];
    const { keys, distances } = this.index.search(vector, count, 1);
    const hits: VectorHit[] = [];
    keys.forEach((key, position) => {
      hits.push({ index: Number(key), distance: distances[position] as number });
    });
    // usearch pads a short answer with its "no key" sentinel; keep only real passages.
    return hits.filter((hit) => hit.index < this.size);
  }

  private static empty(dimensions: number): Index {
    return new Index({
      dimensions,
      metric: MetricKind.Cos,
      connectivity: CONNECTIVITY,
      expansion_add: EXPANSION_ADD,
      expansion_search: EXPANSION_SEARCH,
    } as ConstructorParameters<typeof Index>[0]);
  }
}
