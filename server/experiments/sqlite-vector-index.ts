import { join, resolve } from 'node:path';
import { dialectOf } from '../db/dialect.ts';
import type { Database } from '../db/orm.ts';
import { sha256Hex } from '../engine/hashing.ts';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { VectorIndexRecord } from '../db/entities/vector-index.entity.ts';
import {
  ApproximateVectorIndex,
  EXACT_SEARCH_LIMIT,
} from '../engine/retrieval/approximate-index.ts';
import {
  IndexBuilds,
  MemoryVectorIndexStore,
  type VectorHit,
  type VectorIndex,
  type VectorIndexKey,
  type VectorIndexStore,
  type VectorIndexStoreOptions,
} from '../engine/retrieval/vector-index.ts';

/**
 * The most passages one index in the SQLite file takes: the vectors are kept in the file (the exact
 * engine's table, and what the approximate graph is rebuilt from), so a corpus beyond this belongs on
 * a vector database (pgvector on PostgreSQL) behind the same VectorIndexStore interface.
 */
export const MAX_EXACT_VECTORS = 200_000;
const INSERT_BATCH = 500;

export interface SqliteVectorIndexStoreOptions extends VectorIndexStoreOptions {
  /**
   * Where approximate graphs are saved: default `<database file>.vectors/` beside the SQLite file;
   * null (and an in-memory database) keeps them in memory only, rebuilt from the stored vectors.
   */
  graphDirectory?: string | null;
}

/**
 * Vector indexes in the SQLite file itself, with sqlite-vec (loaded into every connection by
 * openDatabase): a `vector_indexes` row per (knowledge base content hash, embedding model) and a
 * vec0 table of its passage vectors, cosine distance, rowid = passage position + 1. Up to the exact
 * search limit the vec0 table is searched (exact); above it a usearch HNSW graph built from the same
 * vectors answers, saved beside the SQLite file, named by its version key (rebuilt from the table if that file
 * is lost). Built once: a build in progress is shared, and a finished one is found by its key ever after.
 */
export class SqliteVectorIndexStore implements VectorIndexStore {
  readonly engine: string;
  private readonly building = new Map<string, Promise<VectorIndex>>();
  private readonly builds = new IndexBuilds(this);
  private readonly graphs = new Map<number, Promise<ApproximateVectorIndex>>();
  private readonly exactSearchLimit: number;
  private readonly graphDirectory: string | null;

  constructor(
    private readonly orm: Database,
    options: SqliteVectorIndexStoreOptions = {},
  ) {
    this.exactSearchLimit = options.exactSearchLimit ?? EXACT_SEARCH_LIMIT;
    const dbName = String(orm.config.get('dbName') ?? ':memory:');
    this.graphDirectory =
      options.graphDirectory !== undefined
        ? options.graphDirectory
        : dbName === ':memory:' || dbName === ''
          ? null
          : `${resolve(dbName)}.vectors`;
    this.engine = `sqlite-vec (exact) up to ${this.exactSearchLimit} vectors, usearch HNSW (approximate) above`;
  }

  async open(key: VectorIndexKey): Promise<VectorIndex | null> {
    const record = await this.orm.em.fork().findOne(VectorIndexRecord, {
      knowledgeBaseHash: key.knowledgeBaseHash,
      embeddingModel: key.embeddingModel,
    });
    if (!record) return null;
    return record.passageCount > this.exactSearchLimit
      ? this.graph(record, null)
      : new SqliteVectorIndex(this.orm, record);
  }

  openOrBuild(key: VectorIndexKey, vectors: () => Promise<Float32Array[]>): Promise<VectorIndex> {
    return this.builds.openOrBuild(key, vectors);
  }

  create(key: VectorIndexKey, vectors: readonly Float32Array[]): Promise<VectorIndex> {
    const name = `${key.knowledgeBaseHash}\u0000${key.embeddingModel}`;
    let pending = this.building.get(name);
    if (!pending) {
      pending = this.build(key, vectors)
        .then((exact): VectorIndex | Promise<VectorIndex> =>
          exact.size > this.exactSearchLimit ? this.graph(exact.record, vectors) : exact,
        )
        .finally(() => this.building.delete(name));
      this.building.set(name, pending);
    }
    return pending;
  }

  /**
   * The approximate graph of a stored index: from memory, else from its file, else built from
   * `vectors` (or the vectors stored in the table) and saved. One per index in this process.
   */
  private graph(
    record: VectorIndexRecord,
    vectors: readonly Float32Array[] | null,
  ): Promise<ApproximateVectorIndex> {
    let graph = this.graphs.get(record.id);
    if (!graph) {
      graph = this.loadOrBuildGraph(record, vectors);
      graph.catch(() => this.graphs.delete(record.id));
      this.graphs.set(record.id, graph);
    }
    return graph;
  }

  private async loadOrBuildGraph(
    record: VectorIndexRecord,
    given: readonly Float32Array[] | null,
  ): Promise<ApproximateVectorIndex> {
    const file = this.graphDirectory ? join(this.graphDirectory, graphFileName(record)) : null;
    const saved = file ? ApproximateVectorIndex.open(file, record.dimensions) : null;
    if (saved?.size === record.passageCount) return saved;
    const vectors = given ?? (await new SqliteVectorIndex(this.orm, record).vectors());
    return ApproximateVectorIndex.build(vectors, file ? { file } : {});
  }

  private async build(
    key: VectorIndexKey,
    vectors: readonly Float32Array[],
  ): Promise<SqliteVectorIndex> {
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
        const existing = await this.orm.em.fork().findOne(VectorIndexRecord, {
          knowledgeBaseHash: key.knowledgeBaseHash,
          embeddingModel: key.embeddingModel,
        });
        if (existing) return new SqliteVectorIndex(this.orm, existing);
      }
      throw error;
    }
  }
}

class SqliteVectorIndex implements VectorIndex {
  readonly engine = 'sqlite-vec (exact)';
  readonly dimensions: number;
  readonly size: number;

  constructor(
    private readonly orm: Database,
    readonly record: VectorIndexRecord,
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

  /** Every stored vector, in passage order: what an approximate graph is rebuilt from. */
  async vectors(): Promise<Float32Array[]> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ rowid: number; embedding: Buffer }[]>(
        `select rowid, embedding from ${tableName(this.record.id)} order by rowid`,
      );
    return rows.map(
      ({ embedding }) =>
        new Float32Array(
          embedding.buffer.slice(embedding.byteOffset, embedding.byteOffset + embedding.byteLength),
        ),
    );
  }
}

/**
 * Named by the version key, not the row id: a graph left beside a database that was deleted and
 * created again can then only be the graph of the same vectors.
 */
export function graphFileName(key: VectorIndexKey): string {
  return `${sha256Hex(`${key.knowledgeBaseHash}\u0000${key.embeddingModel}`)}.usearch`;
}

function tableName(id: number): string {
  return `vec_passages_${Number(id)}`;
}

/** sqlite-vec reads a float32 vector from a little-endian blob. */
function asBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/**
 * Where an app keeps vector indexes: sqlite-vec in the SQLite file; on PostgreSQL (pgvector would be
 * the engine there) in memory, per process.
 */
export function vectorIndexStoreFor(
  orm: Database,
  options: VectorIndexStoreOptions,
): VectorIndexStore {
  return dialectOf(orm) === 'sqlite'
    ? new SqliteVectorIndexStore(orm, options)
    : new MemoryVectorIndexStore(options);
}
