import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Index } from 'usearch';
import type { VectorHit, VectorIndex } from './vector-index.ts';

/**
 * usearch's CommonJS build, which finds its native library from __dirname. Its ES module build
 * finds it by walking up from a stack frame's file name, and in a worker thread under tsx (the
 * engine thread) that walk never ended: the thread hung on import.
 */
const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');

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

  /**
   * Builds the graph in a worker thread (inserting tens of thousands of vectors takes seconds of
   * CPU, which would stall every request of the server), saves it to `file` (written aside and
   * renamed, so a crash never leaves a half-written graph under the real name) and opens it. Without
   * `file` the graph goes through a temporary file that is removed once read.
   */
  static async build(
    vectors: readonly Float32Array[],
    options: { file?: string } = {},
  ): Promise<ApproximateVectorIndex> {
    const dimensions = vectors[0]?.length ?? 0;
    if (dimensions === 0)
      throw new RangeError('a vector index needs at least one non-empty vector');
    const matrix = new Float32Array(vectors.length * dimensions);
    vectors.forEach((vector, offset) => {
      matrix.set(vector, offset * dimensions);
    });
    const file = options.file ?? join(tmpdir(), `llmforge-hnsw-${randomUUID()}.usearch`);
    mkdirSync(dirname(file), { recursive: true });
    const partial = `${file}.partial`;
    await new Promise<void>((resolve, reject) => {
      const worker = new Worker(BUILD_IN_WORKER, {
        eval: true,
        workerData: { usearch: USEARCH_PATH, settings: settings(dimensions), matrix, partial },
        transferList: [matrix.buffer],
      });
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(
          new Error(`the HNSW build worker stopped (exit code ${code}) before saving the graph`),
        ),
      );
    });
    renameSync(partial, file);
    const index = ApproximateVectorIndex.open(file, dimensions);
    if (!options.file) rmSync(file, { force: true });
    if (index?.size !== vectors.length)
      throw new Error(`the HNSW graph saved to ${file} could not be read back`);
    return index;
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
    return new usearch.Index(settings(dimensions) as ConstructorParameters<typeof Index>[0]);
  }
}

function settings(dimensions: number) {
  return {
    dimensions,
    metric: usearch.MetricKind.Cos,
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
  };
}

/** usearch's entry point, resolved here so the worker loads the same copy wherever the server runs from. */
const USEARCH_PATH = createRequire(import.meta.url).resolve('usearch');

/** The worker: inserts every vector (keys = positions, all cores) and saves the graph. Plain CommonJS: it runs without tsx. */
const BUILD_IN_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Index } = require(workerData.usearch);
const { settings, matrix, partial } = workerData;
const index = new Index(settings);
const count = matrix.length / settings.dimensions;
const keys = new BigUint64Array(count);
for (let i = 0; i < count; i++) keys[i] = BigInt(i);
index.add(keys, matrix, 0);
index.save(partial);
parentPort.postMessage('saved');
`;
