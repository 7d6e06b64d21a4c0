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
  readonly dimensions: number;
  readonly size: number;
  /** The `k` nearest passages to `vector`, nearest first (exact search). */
  search(vector: Float32Array, k: number): Promise<VectorHit[]>;
}

export interface VectorIndexStore {
  /** A human name for the engine, shown in traces and the README's hit-rate table. */
  readonly engine: string;
  /** The index stored under `key`, or null when none was built yet. */
  open(key: VectorIndexKey): Promise<VectorIndex | null>;
  /** Stores the vectors of every passage (in passage order) under `key` and returns the index. */
  create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex>;
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

/** An exact (brute-force cosine) index in memory: the fallback when the database has no vector extension. */
export class MemoryVectorIndexStore implements VectorIndexStore {
  readonly engine = 'in-memory exact';
  private readonly indexes = new Map<string, VectorIndex>();

  async open(key: VectorIndexKey): Promise<VectorIndex | null> {
    return this.indexes.get(keyText(key)) ?? null;
  }

  async create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex> {
    const index = new ExactVectorIndex(vectors.map(normalized));
    this.indexes.set(keyText(key), index);
    return index;
  }
}

class ExactVectorIndex implements VectorIndex {
  readonly dimensions: number;

  constructor(private readonly vectors: readonly Float32Array[]) {
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

function keyText(key: VectorIndexKey): string {
  return `${key.knowledgeBaseHash}\u0000${key.embeddingModel}`;
}

function normalized(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}
