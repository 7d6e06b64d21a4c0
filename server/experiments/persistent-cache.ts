import type { Database } from '../db/orm.ts';
import { bulkInsert } from '../db/bulk-insert.ts';
import { sqlDialect, type SqlDialect } from '../db/dialect.ts';
import { WriteBehind } from '../db/write-behind.ts';
import type { CachedCompletion, PersistentCacheStore } from '../engine/cache/response-cache.ts';
import type { Completion } from '../engine/types.ts';
import type { Logger } from '../logger.ts';

export interface PersistentCacheOptions {
  /** The most rows kept; beyond it the least recently used rows are deleted. */
  maxRows: number;
  /** New entries and hit timestamps are written at least this often (ms). */
  flushDelayMs?: number;
  /** Rows read ahead, in write order, after a hit from the database (0 = never). */
  readAhead?: number;
  /** Epoch milliseconds (tests pin it). */
  now?: () => number;
}

export interface PersistentCacheSize {
  entries: number;
  maxEntries: number;
}

interface CacheRow {
  /** SQLite's insertion order (read-ahead); PostgreSQL has none and reads no further ahead. */
  rowid?: number;
  key: string;
  /** Text in SQLite, already parsed in PostgreSQL. */
  completion: unknown;
  latency_ms: number;
}

type Resolve = (value: CachedCompletion | undefined) => void;

const KEYS_PER_QUERY = 500;
/** A read-ahead that served nothing is retried only after this many database hits. */
const READ_AHEAD_RETRY = 16;

/**
 * The persistent response-cache tier in the database, shared by every experiment and, on PostgreSQL,
 * by every process of a cluster.
 *
 * Nothing on the hot path waits for a write: new entries and the "last used" time of hits are
 * buffered and written in batches (new entries stay readable from the buffer until committed).
 * Lookups that arrive while a query runs are answered together by the next one. After a hit the
 * rows written right after it are read ahead: a re-run asks for its responses in about the order
 * the first run stored them, so one query serves the next few hundred samples.
 */
export class PersistentResponseCache implements PersistentCacheStore {
  private readonly unwritten = new Map<string, CachedCompletion>();
  private readonly touched = new Set<string>();
  private readonly prefetched = new Map<string, CacheRow>();
  private readonly waiting = new Map<string, Resolve[]>();
  private readonly writes: WriteBehind;
  private readonly readAhead: number;
  private readonly now: () => number;
  private readonly dialect: SqlDialect;
  private loading = false;
  private rowCount: number | null = null;
  private readAheadServed = true;
  private hitsSinceReadAhead = 0;

  constructor(
    private readonly orm: Database,
    private readonly logger: Logger,
    private readonly options: PersistentCacheOptions,
  ) {
    this.dialect = sqlDialect(orm);
    // Read-ahead follows SQLite's rowid (write order); PostgreSQL tables have no such order to follow.
    this.readAhead = this.dialect.name === 'sqlite' ? (options.readAhead ?? 512) : 0;
    this.now = options.now ?? Date.now;
    this.writes = new WriteBehind(
      () => this.write(),
      options.flushDelayMs ?? 100,
      (error) => this.logger.error('writing the response cache failed', { error }),
    );
  }

  get(key: string): Promise<CachedCompletion | undefined> {
    const unwritten = this.unwritten.get(key);
    if (unwritten) return Promise.resolve(unwritten);
    const ahead = this.takePrefetched(key);
    if (ahead) return Promise.resolve(this.decode(ahead));
    return new Promise((resolve) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push(resolve);
      else this.waiting.set(key, [resolve]);
      if (!this.loading) void this.load();
    });
  }

  set(key: string, value: CachedCompletion): void {
    this.unwritten.set(key, value);
    this.writes.schedule(this.unwritten.size >= KEYS_PER_QUERY);
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    return this.writes.flush().catch(() => undefined);
  }

  /** Empties the tier (buffered entries too); resolves with the number of entries removed. */
  clear(): Promise<number> {
    this.touched.clear();
    this.prefetched.clear();
    // Queued behind writes already under way, so nothing written before the clear survives it, and an
    // entry that such a write commits is counted once: as a row, no longer as buffered.
    return this.writes.enqueue(async () => {
      const dropped = this.unwritten.size;
      this.unwritten.clear();
      const changes = this.dialect.changes(await this.knex().raw('delete from response_cache'));
      this.rowCount = 0;
      return changes + dropped;
    });
  }

  /** Counted between writes: during one, a committed entry would still be in the buffer and count twice. */
  size(): Promise<PersistentCacheSize> {
    return this.writes.enqueue(async () => ({
      entries: (await this.countRows()) + this.unwritten.size,
      maxEntries: this.options.maxRows,
    }));
  }

  private touch(key: string): void {
    this.touched.add(key);
    this.writes.schedule();
  }

  /** Answers every waiting lookup, a batch of keys per query, until none is left. */
  private async load(): Promise<void> {
    this.loading = true;
    try {
      while (this.waiting.size > 0) {
        this.answerFromReadAhead();
        const batch = [...this.waiting].slice(0, KEYS_PER_QUERY);
        if (batch.length === 0) break;
        for (const [key] of batch) this.waiting.delete(key);
        const found = await this.fetchRows(batch.map(([key]) => key));
        for (const [key, waiters] of batch) {
          const row = found.get(key);
          if (row) this.touch(key);
          const value = row ? this.decode(row) : undefined;
          for (const resolve of waiters) resolve(value);
        }
      }
    } finally {
      this.loading = false;
    }
  }

  /** Lookups that queued while a read-ahead ran may find their row in it. */
  private answerFromReadAhead(): void {
    for (const [key, waiters] of this.waiting) {
      const row = this.takePrefetched(key);
      if (!row) continue;
      this.waiting.delete(key);
      const value = this.decode(row);
      for (const resolve of waiters) resolve(value);
    }
  }

  private takePrefetched(key: string): CacheRow | undefined {
    const row = this.prefetched.get(key);
    if (!row) return undefined;
    this.prefetched.delete(key);
    this.readAheadServed = true;
    this.touch(key);
    return row;
  }

  private async fetchRows(keys: string[]): Promise<Map<string, CacheRow>> {
    const found = new Map<string, CacheRow>();
    try {
      const rows: CacheRow[] = await this.readRows(
        `select ${this.readAhead > 0 ? 'rowid, ' : ''}key, completion, latency_ms from response_cache where key in (${keys.map(() => '?').join(',')})`,
        keys,
      );
      for (const row of rows) found.set(row.key, row);
      if (rows.length > 0 && this.shouldReadAhead())
        await this.readAheadAfter(Math.max(...rows.map((row) => row.rowid ?? 0)));
    } catch (error) {
      // A cache that cannot answer is a miss, never a failed sample.
      this.logger.warn('reading the response cache failed', { error });
    }
    return found;
  }

  private shouldReadAhead(): boolean {
    if (this.readAhead === 0) return false;
    this.hitsSinceReadAhead += 1;
    return this.readAheadServed || this.hitsSinceReadAhead >= READ_AHEAD_RETRY;
  }

  private async readAheadAfter(rowid: number): Promise<void> {
    this.readAheadServed = false;
    this.hitsSinceReadAhead = 0;
    const rows: CacheRow[] = await this.readRows(
      'select rowid, key, completion, latency_ms from response_cache where rowid > ? order by rowid limit ?',
      [rowid, this.readAhead],
    );
    for (const row of rows) this.prefetched.set(row.key, row);
    // Bounded: the oldest read-ahead goes first.
    for (const key of this.prefetched.keys()) {
      if (this.prefetched.size <= this.readAhead * 4) break;
      this.prefetched.delete(key);
    }
  }

  /** Hit times, then new entries, then eviction down to the bound (least recently used first). */
  private async write(): Promise<void> {
    const now = new Date(this.now());
    const touched = [...this.touched];
    this.touched.clear();
    const entries = [...this.unwritten];
    for (let i = 0; i < touched.length; i += KEYS_PER_QUERY) {
      const keys = touched.slice(i, i + KEYS_PER_QUERY);
      await this.knex().raw(
        `update response_cache set last_used_at = ? where key in (${keys.map(() => '?').join(',')})`,
        [this.dialect.name === 'sqlite' ? now.getTime() : now, ...keys],
      );
    }
    this.rowCount ??= await this.countRows();
    this.rowCount += await bulkInsert(this.orm, {
      table: 'response_cache',
      columns: ['key', 'completion', 'latency_ms', 'created_at', 'last_used_at'],
      rows: entries.map(([key, { completion, latencyMs }]) => [
        key,
        JSON.stringify(completion),
        latencyMs,
        now,
        now,
      ]),
      onConflict: '(key) do nothing',
    });
    // Readable from the buffer until here, so a lookup never falls between buffer and table.
    for (const [key, value] of entries)
      if (this.unwritten.get(key) === value) this.unwritten.delete(key);
    await this.evictBeyondBound();
  }

  private async evictBeyondBound(): Promise<void> {
    const excess = (this.rowCount ?? 0) - this.options.maxRows;
    if (excess <= 0) return;
    // Ties (one batch shares a time) go in write order in SQLite, by key in PostgreSQL.
    const order = this.dialect.name === 'sqlite' ? 'rowid' : 'key';
    const result: unknown = await this.knex().raw(
      `delete from response_cache where ${order} in (select ${order} from response_cache order by last_used_at, ${order} limit ?)`,
      [excess],
    );
    this.rowCount = (this.rowCount ?? 0) - this.dialect.changes(result);
  }

  private async countRows(): Promise<number> {
    const result: unknown = await this.knex().raw('select count(*) as n from response_cache');
    const [row] =
      this.dialect.name === 'sqlite'
        ? (result as { n: number }[])
        : (result as { rows: { n: string }[] }).rows;
    return this.dialect.num(row?.n);
  }

  private decode(row: CacheRow): CachedCompletion {
    return { completion: this.dialect.json<Completion>(row.completion), latencyMs: row.latency_ms };
  }

  private knex() {
    return this.orm.em.getConnection().getKnex();
  }

  /** Lookups use the read connection, so they never wait for a batch of writes (or a checkpoint) to finish. */
  private async readRows(sql: string, bindings: readonly (string | number)[]): Promise<CacheRow[]> {
    const result: unknown = await this.orm.em.getConnection('read').getKnex().raw(sql, bindings);
    return this.dialect.name === 'sqlite'
      ? (result as CacheRow[])
      : (result as { rows: CacheRow[] }).rows;
  }
}
