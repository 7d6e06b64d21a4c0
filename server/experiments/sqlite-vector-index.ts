import type { Database } from '../db/orm.ts';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { VectorIndexRecord } from '../db/entities/vector-index.entity.ts';
import type {
  VectorHit,
  VectorIndex,
  VectorIndexKey,
  VectorIndexStore,
} from '../engine/retrieval/vector-index.ts';

/**
 * Exact (brute-force) search is what sqlite-vec's vec0 tables do. It stays interactive up to about
 * this many passages per index at a few hundred dimensions; a larger corpus belongs on a deployment
 * with an approximate index (pgvector's HNSW on PostgreSQL), so building one refuses beyond it.
 */
export const MAX_EXACT_VECTORS = 200_000;
const INSERT_BATCH = 500;

/**
 * Vector indexes in the SQLite file itself, with sqlite-vec (loaded into every connection by
 * openDatabase): a `vector_indexes` row per (knowledge base content hash, embedding model) and a
 * vec0 table of its passage vectors, cosine distance, rowid = passage position + 1. Built once: a
 * build in progress is shared, and a finished one is found by its key ever after.
 */
export class SqliteVectorIndexStore implements VectorIndexStore {
  readonly engine = 'sqlite-vec (exact)';
  private readonly building = new Map<string, Promise<VectorIndex>>();

  constructor(private readonly orm: Database) {}

  async open(key: VectorIndexKey): Promise<VectorIndex | null> {
    const record = await this.orm.em.fork().findOne(VectorIndexRecord, {
      knowledgeBaseHash: key.knowledgeBaseHash,
      embeddingModel: key.embeddingModel,
    });
    return record ? new SqliteVectorIndex(this.orm, record) : null;
  }

  create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex> {
    const name = `${key.knowledgeBaseHash}\u0000${key.embeddingModel}`;
    let pending = this.building.get(name);
    if (!pending) {
      pending = this.build(key, vectors).finally(() => this.building.delete(name));
      this.building.set(name, pending);
    }
    return pending;
  }

  private async build(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex> {
    if (vectors.length > MAX_EXACT_VECTORS) {
      throw new RangeError(
        `${vectors.length} passages exceed the ${MAX_EXACT_VECTORS} an exact sqlite-vec index serves; use a deployment with an approximate index (pgvector)`,
      );
    }
    const dimensions = vectors[0]?.length ?? 0;
    if (dimensions === 0)
      throw new RangeError('a vector index needs at least one non-empty vector');
    const em = this.orm.em.fork();
    try {
      return await em.transactional(async (tx) => {
        const record = tx.create(VectorIndexRecord, {
          ...key,
          dimensions,
          passageCount: vectors.length,
        });
        await tx.flush();
        const connection = tx.getConnection();
        // The transaction's own connection: the pool has one writer, and it is held by this transaction.
        const run = (sql: string, params: unknown[] = []) =>
          connection.execute(sql, params, 'run', tx.getTransactionContext());
        await run(
          `create virtual table ${tableName(record.id)} using vec0(embedding float[${dimensions}] distance_metric=cosine)`,
        );
        for (let start = 0; start < vectors.length; start += INSERT_BATCH) {
          const batch = vectors.slice(start, start + INSERT_BATCH);
          const placeholders = batch.map(() => '(?, ?)').join(', ');
          const params = batch.flatMap((vector, offset) => [start + offset + 1, asBlob(vector)]);
          await run(
            `insert into ${tableName(record.id)}(rowid, embedding) values ${placeholders}`,
            params,
          );
        }
        return new SqliteVectorIndex(this.orm, record);
      });
    } catch (error) {
      // Another process built the same version meanwhile: use theirs.
      if (error instanceof UniqueConstraintViolationException) {
        const existing = await this.open(key);
        if (existing) return existing;
      }
      throw error;
    }
  }
}

class SqliteVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly size: number;

  constructor(
    private readonly orm: Database,
    private readonly record: VectorIndexRecord,
  ) {
    this.dimensions = record.dimensions;
    this.size = record.passageCount;
  }

  async search(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ rowid: number; distance: number }[]>(
        `select rowid, distance from ${tableName(this.record.id)} where embedding match ? and k = ? order by distance`,
        [asBlob(vector), Math.min(k, this.size)],
      );
    return rows.map((row) => ({ index: row.rowid - 1, distance: row.distance }));
  }
}

function tableName(id: number): string {
  return `vec_passages_${Number(id)}`;
}

/** sqlite-vec reads a float32 vector from a little-endian blob. */
function asBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}
