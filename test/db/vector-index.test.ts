import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/orm.ts';
import { SqliteVectorIndexStore } from '../../server/experiments/sqlite-vector-index.ts';
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
});
