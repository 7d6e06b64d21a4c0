import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/orm.ts';
import type { CachedCompletion } from '../../server/engine/cache/response-cache.ts';
import {
  PersistentResponseCache,
  type PersistentCacheOptions,
} from '../../server/experiments/persistent-cache.ts';
import { createLogger } from '../../server/logger.ts';
import { newDatabasePath, removeDatabase, TEST_DIALECT } from '../helpers/database.ts';

const entry = (text: string): CachedCompletion => ({
  completion: { text, tokensInput: 12, tokensOutput: 3, finishReason: 'stop' },
  latencyMs: 51.5,
});

const opened: { orm: Database; path: string }[] = [];

async function open(path = newDatabasePath()) {
  const orm = await openDatabase(path);
  opened.push({ orm, path });
  return { orm, path };
}

function store(orm: Database, options: Partial<PersistentCacheOptions> = {}) {
  return new PersistentResponseCache(orm, createLogger('silent'), {
    maxRows: 1000,
    flushDelayMs: 60_000,
    ...options,
  });
}

async function storedKeys(orm: Database): Promise<string[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ key: string }[]>('select key from response_cache order by key');
  return rows.map((row) => row.key);
}

/** Counts the SQL statements run on either connection (lookups use the read one). */
function countQueries(orm: Database) {
  const counter = { count: 0 };
  // One knex on PostgreSQL (no read replica), two on SQLite.
  const clients = new Set(
    (['read', 'write'] as const).map((type) => orm.em.getConnection(type).getKnex()),
  );
  for (const client of clients) client.on('query', () => (counter.count += 1));
  return counter;
}

afterEach(async () => {
  for (const { orm, path } of opened.splice(0)) {
    await orm.close(true);
    await removeDatabase(path);
  }
});

describe('PersistentResponseCache', () => {
  it('should serve an entry from its write buffer before the flush and from the database after a reopen', async () => {
    const { orm, path } = await open();
    const first = store(orm);
    first.set('k1', entry('Paris'));
    expect(await first.get('k1')).toEqual(entry('Paris'));
    expect(await storedKeys(orm)).toEqual([]);
    await first.flush();
    expect(await storedKeys(orm)).toEqual(['k1']);
    await orm.close(true);
    opened.pop();

    const { orm: reopened } = await open(path);
    const second = store(reopened);
    expect(await second.get('k1')).toEqual(entry('Paris'));
    expect(await second.get('missing')).toBeUndefined();
    expect(await second.size()).toEqual({ entries: 1, maxEntries: 1000 });
  });

  it('should evict the least recently used rows beyond its bound, counting a hit as a use', async () => {
    const { orm } = await open();
    let now = 1_000;
    const cache = store(orm, { maxRows: 3, now: () => now });
    for (const key of ['a', 'b', 'c']) cache.set(key, entry(key));
    await cache.flush();
    now = 2_000;
    expect(await cache.get('a')).toEqual(entry('a')); // a is used again: b is now the oldest
    await cache.flush();
    now = 3_000;
    cache.set('d', entry('d'));
    await cache.flush();

    expect(await storedKeys(orm)).toEqual(['a', 'c', 'd']);
    now = 4_000;
    cache.set('e', entry('e'));
    cache.set('f', entry('f'));
    await cache.flush();
    expect(await storedKeys(orm)).toEqual(['d', 'e', 'f']);
    expect(await cache.size()).toEqual({ entries: 3, maxEntries: 3 });
  });

  it('should answer lookups that arrive together with one query', async () => {
    const { orm } = await open();
    const cache = store(orm, { readAhead: 0 });
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, entry(`a${i}`));
    await cache.flush();
    const queries = countQueries(orm);

    const found = await Promise.all(Array.from({ length: 60 }, (_, i) => cache.get(`k${i}`)));

    expect(found.filter(Boolean)).toHaveLength(50);
    expect(found[49]).toEqual(entry('a49'));
    // The first lookup goes alone; the 59 that queued behind it share the second query.
    expect(queries.count).toBe(2);
  });

  // PostgreSQL has no write order to follow (no rowid), so it reads no further than asked.
  it.skipIf(TEST_DIALECT === 'postgresql')(
    'should read ahead in write order, so a re-run asking one key at a time needs one query per window',
    async () => {
      const { orm } = await open();
      const cache = store(orm, { readAhead: 100 });
      for (let i = 0; i < 300; i++) cache.set(`k${i}`, entry(`a${i}`));
      await cache.flush();
      const queries = countQueries(orm);

      for (let i = 0; i < 300; i++) expect(await cache.get(`k${i}`)).toEqual(entry(`a${i}`));

      // k0, k101 and k202 each cost a lookup and a read-ahead of the next 100 rows.
      expect(queries.count).toBe(6);
    },
  );

  it('should empty the tier on clear, buffered entries included, and report how many entries it removed', async () => {
    const { orm } = await open();
    const cache = store(orm);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    await cache.flush();
    cache.set('c', entry('c'));

    expect(await cache.clear()).toBe(3);
    await cache.flush();
    expect(await storedKeys(orm)).toEqual([]);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBeUndefined();
    expect(await cache.size()).toEqual({ entries: 0, maxEntries: 1000 });
  });
});
