import { ApproximateVectorIndex, EXACT_SEARCH_LIMIT } from './approximate-index.ts';

/**
 * Where passage vectors live. The engine asks for an index by its version key and searches it; how
 * vectors are stored is the deployment's choice (sqlite-vec in the SQLite file, an exact in-memory
 * index elsewhere; pgvector would implement this on PostgreSQL).
 */
export interface VectorIndexKey {
  /** The knowledge base's content hash: a changed corpus is a different index. */
  knowledgeBaseHash: string;
  /** The embedding model and where it runs ({@link Embedder.identity}). */
  embeddingModel: string;
}

export interface VectorHit {
  /** Position of the passage in the knowledge base's passage list. */
  index: number;
  /** Cosine distance, 1 − cosine similarity: 0 for the same direction. */
  distance: number;
}

export interface VectorIndex {
  /** How it searches, for traces and tools: exact, or the approximate engine's name. */
  readonly engine: string;
  readonly dimensions: number;
  readonly size: number;
  /** The `k` nearest passages to `vector`, nearest first. */
  search(vector: Float32Array, k: number): Promise<VectorHit[]>;
}

export interface VectorIndexStore {
  /** A human name for the engine, shown in traces and the README's hit-rate table. */
  readonly engine: string;
  /** The index stored under `key`, or null when none was built yet. */
  open(key: VectorIndexKey): Promise<VectorIndex | null>;
  /** Stores the vectors of every passage (in passage order) under `key` and returns the index. */
  create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex>;
  /**
   * The index under `key`, embedding the passages (`vectors()`) and building it when none exists.
   * Concurrent first uses of one key share a single build, so the passages are embedded once.
   */
  openOrBuild(key: VectorIndexKey, vectors: () => Promise<Float32Array[]>): Promise<VectorIndex>;
}

/** Options every store takes: where exact search ends and the approximate index begins. */
export interface VectorIndexStoreOptions {
  /** Indexes of more vectors than this are searched approximately (usearch HNSW); default {@link EXACT_SEARCH_LIMIT}. */
  exactSearchLimit?: number;
}

/**
 * The single-flight part of {@link VectorIndexStore.openOrBuild}: one build per key in this process
 * at a time; a finished one is found by `open` afterwards. (Two processes may both embed; the
 * store's unique key makes the later one use the earlier one's index.)
 */
export class IndexBuilds {
  private readonly pending = new Map<string, Promise<VectorIndex>>();

  constructor(private readonly store: Pick<VectorIndexStore, 'open' | 'create'>) {}

  openOrBuild(key: VectorIndexKey, vectors: () => Promise<Float32Array[]>): Promise<VectorIndex> {
    const name = keyText(key);
    let build = this.pending.get(name);
    if (!build) {
      build = (async () => {
        const existing = await this.store.open(key);
        return existing ?? this.store.create(key, await vectors());
      })().finally(() => this.pending.delete(name));
      this.pending.set(name, build);
    }
    return build;
  }
}

/** Asked for an index whose stored vectors have other dimensions than the query's. */
export class VectorDimensionMismatchError extends Error {
  override readonly name = 'VectorDimensionMismatchError';
  constructor(key: VectorIndexKey, stored: number, given: number) {
    super(
      `the vector index for ${key.embeddingModel} holds ${stored}-dimensional vectors, but the model now returns ${given}-dimensional ones; the model changed behind its name`,
    );
  }
}

/**
 * Indexes in process memory: the fallback when the database has no vector extension (PostgreSQL
 * without a pgvector store). Exact up to the limit, a usearch graph above; rebuilt after a restart.
 */
export class MemoryVectorIndexStore implements VectorIndexStore {
  readonly engine: string;
  private readonly indexes = new Map<string, VectorIndex>();
  private readonly builds = new IndexBuilds(this);
  private readonly exactSearchLimit: number;

  constructor(options: VectorIndexStoreOptions = {}) {
    this.exactSearchLimit = options.exactSearchLimit ?? EXACT_SEARCH_LIMIT;
    this.engine = `in-memory exact up to ${this.exactSearchLimit} vectors, usearch HNSW above`;
  }

  async open(key: VectorIndexKey): Promise<VectorIndex | null> {
    return this.indexes.get(keyText(key)) ?? null;
  }

  async create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex> {
    const index =
      vectors.length > this.exactSearchLimit
        ? await ApproximateVectorIndex.build(vectors)
        : new ExactVectorIndex(vectors);
    this.indexes.set(keyText(key), index);
    return index;
  }

  openOrBuild(key: VectorIndexKey, vectors: () => Promise<Float32Array[]>): Promise<VectorIndex> {
    return this.builds.openOrBuild(key, vectors);
  }
}

/** Brute-force cosine search in memory: the reference the approximate index's recall is measured against. */
export class ExactVectorIndex implements VectorIndex {
  readonly engine = 'exact (in memory)';
  readonly dimensions: number;

  private readonly vectors: readonly Float32Array[];

  constructor(vectors: readonly Float32Array[]) {
    this.vectors = vectors.map(normalized);
    this.dimensions = vectors[0]?.length ?? 0;
  }

  get size(): number {
    return this.vectors.length;
  }

  async search(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const query = normalized(vector);
    return this.vectors
      .map((stored, index) => {
        let dot = 0;
        for (let i = 0; i < stored.length; i++) dot += (stored[i] as number) * (query[i] as number);
        return { index, distance: 1 - dot };
      })
      .sort((a, b) => a.distance - b.distance || a.index - b.index)
      .slice(0, k);
  }
}

export function keyText(key: VectorIndexKey): string {
  return `${key.knowledgeBaseHash}\u0000${key.embeddingModel}`;
}

function normalized(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}
