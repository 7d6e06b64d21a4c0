import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/orm.ts';
import { measureRecall, syntheticVectors } from '../../server/engine/retrieval/ann-recall.ts';
import {
  ExactVectorIndex,
  MemoryVectorIndexStore,
} from '../../server/engine/retrieval/vector-index.ts';
import {
  graphFileName,
  SqliteVectorIndexStore,
} from '../../server/experiments/sqlite-vector-index.ts';
import { newDatabasePath } from '../helpers/test-app.ts';

const KEY = { knowledgeBaseHash: 'a'.repeat(64), embeddingModel: 'simulated:lexical-hash-384' };
const vectors = [
  [1, 0, 0, 0],
  [0.9, 0.1, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
].map((v) => Float32Array.from(v));

describe('the sqlite-vec vector index store', () => {
  const paths: string[] = [];
  afterEach(() => {
    for (const path of paths.splice(0)) rmSync(join(path, '..'), { recursive: true, force: true });
  });

  it('should load sqlite-vec into the database connection', async () => {
    const path = newDatabasePath();
    paths.push(path);
    const orm = await openDatabase(path);
    try {
      expect(await orm.em.fork().getConnection().execute('select vec_version() as v')).toEqual([
        { v: 'v0.1.9' },
      ]);
    } finally {
      await orm.close(true);
    }
  });

  it('should build an index once, find the nearest passages by cosine, and reopen it from the file after a restart', async () => {
    const path = newDatabasePath();
    paths.push(path);
    const orm = await openDatabase(path);
    try {
      const store = new SqliteVectorIndexStore(orm);
      expect(await store.open(KEY)).toBeNull();
      const [built, same] = await Promise.all([
        store.create(KEY, vectors),
        store.create(KEY, vectors),
      ]);
      expect(same).toBe(built);
      expect(built.dimensions).toBe(4);
      const hits = await built.search(Float32Array.from([1, 0.05, 0, 0]), 2);
      expect(hits.map((hit) => hit.index)).toEqual([0, 1]);
      expect(hits[0]!.distance).toBeCloseTo(1 - 1 / Math.hypot(1, 0.05), 5);
      expect(
        await orm.em.fork().getConnection().execute('select count(*) as n from vector_indexes'),
      ).toEqual([{ n: 1 }]);
    } finally {
      await orm.close(true);
    }
    const reopened = await openDatabase(path);
    try {
      const index = await new SqliteVectorIndexStore(reopened).open(KEY);
      expect(index?.size).toBe(4);
      expect(
        (await index!.search(Float32Array.from([0, 0, 2, 0]), 1)).map((hit) => hit.index),
      ).toEqual([3]);
      expect(
        await new SqliteVectorIndexStore(reopened).open({ ...KEY, embeddingModel: 'other' }),
      ).toBeNull();
    } finally {
      await reopened.close(true);
    }
  });

  it('should search approximately above the exact-search limit, with recall@10 of at least 0.95 against exact search, and reopen the graph from its file', async () => {
    const path = newDatabasePath();
    paths.push(path);
    // 3000 passages in 64 dimensions, 50 questions: reproducible (seeded); the limit is lowered to 1000.
    const all = syntheticVectors(3050, 64, 11);
    const passages = all.slice(0, 3000);
    const questions = all.slice(3000);
    const truth = new ExactVectorIndex(passages);
    const graphFile = `${path}.vectors/${graphFileName(KEY)}`;
    const orm = await openDatabase(path);
    let recallBefore: number;
    try {
      const store = new SqliteVectorIndexStore(orm, { exactSearchLimit: 1000 });
      const built = await store.create(KEY, passages);
      expect(built.engine).toBe('usearch HNSW (approximate)');
      expect(built.size).toBe(3000);
      expect(existsSync(graphFile)).toBe(true);
      recallBefore = (await measureRecall(truth, built, questions, 10)).recall;
      expect(recallBefore).toBeGreaterThanOrEqual(0.95);
      // The same stored vectors, under the default limit (20 000), are searched exactly by sqlite-vec.
      const exact = await new SqliteVectorIndexStore(orm).open(KEY);
      expect(exact?.engine).toBe('sqlite-vec (exact)');
      expect((await measureRecall(truth, exact!, questions, 10)).recall).toBe(1);
    } finally {
      await orm.close(true);
    }
    const reopened = await openDatabase(path);
    try {
      const fromFile = await new SqliteVectorIndexStore(reopened, { exactSearchLimit: 1000 }).open(
        KEY,
      );
      expect(fromFile?.engine).toBe('usearch HNSW (approximate)');
      expect((await measureRecall(truth, fromFile!, questions, 10)).recall).toBe(recallBefore);
      // A lost graph file is rebuilt from the vectors in the SQLite file, with no embedding call.
      rmSync(graphFile);
      const rebuilt = await new SqliteVectorIndexStore(reopened, { exactSearchLimit: 1000 }).open(
        KEY,
      );
      expect(rebuilt?.size).toBe(3000);
      expect(existsSync(graphFile)).toBe(true);
      expect((await measureRecall(truth, rebuilt!, questions, 10)).recall).toBeGreaterThanOrEqual(
        0.95,
      );
    } finally {
      await reopened.close(true);
    }
  });

  it('should embed once when two first uses of the same index arrive together', async () => {
    const store = new MemoryVectorIndexStore({ exactSearchLimit: 2 });
    let embeddings = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const embed = async () => {
      embeddings += 1;
      await gate;
      return vectors;
    };
    const first = store.openOrBuild(KEY, embed);
    const second = store.openOrBuild(KEY, embed);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(embeddings).toBe(1);
    expect(a.engine).toBe('usearch HNSW (approximate)');
    expect(await store.openOrBuild(KEY, embed)).toBe(a);
    expect(embeddings).toBe(1);
  });
});
