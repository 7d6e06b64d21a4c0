import { LRUCache } from 'lru-cache';
import { round } from '../profiler.ts';
import type { CacheStats } from '../optimization-profile.ts';
import type { Completion } from '../types.ts';

export type CacheTier = 'memory' | 'persistent' | 'inflight';

/** A stored response together with the API time it took, so a hit can report the time it saved. */
export interface CachedCompletion {
  completion: Completion;
  latencyMs: number;
}

export interface CacheLookup {
  completion: Completion;
  /** Where the response came from; null when it was fetched from the provider by this request. */
  tier: CacheTier | null;
}

/**
 * The durable tier shared by every experiment (the database, implemented outside the engine).
 * `get` never rejects: a store that cannot answer reports a miss. `set` returns at once; the store
 * writes in batches, so the engine never waits for a disk write.
 */
export interface PersistentCacheStore {
  get(key: string): Promise<CachedCompletion | undefined>;
  set(key: string, value: CachedCompletion): void;
  /** Resolves once what was `set` so far is written (or could not be: the store logs that). */
  flush(): Promise<void>;
}

/**
 * This experiment's response cache: an LRU memory tier, the shared persistent tier behind it, and
 * single-flight de-duplication of identical requests in flight. Only successful responses are
 * stored; a failed fetch leaves no trace.
 */
export class ResponseCache {
  private readonly memory: LRUCache<string, CachedCompletion>;
  private readonly inFlight = new Map<string, Promise<CachedCompletion>>();
  private hits = 0;
  private misses = 0;
  private readonly tierHits: Record<CacheTier, number> = { memory: 0, persistent: 0, inflight: 0 };
  private latencySavedMs = 0;

  constructor(
    readonly maxSize: number,
    private readonly persistent: PersistentCacheStore | null = null,
  ) {
    this.memory = new LRUCache({ max: maxSize });
  }

  /** The memory tier, then the persistent one (timed as the cache_lookup phase). */
  async lookup(key: string): Promise<CacheLookup | undefined> {
    const inMemory = this.memory.get(key);
    if (inMemory) return this.hit('memory', inMemory);
    const persisted = await this.persistent?.get(key);
    if (!persisted) return undefined;
    this.memory.set(key, persisted);
    return this.hit('persistent', persisted);
  }

  /** Calls `fetch` unless an identical request is already in flight, whose response is then shared. */
  async fetchOnce(key: string, fetch: () => Promise<CachedCompletion>): Promise<CacheLookup> {
    const pending = this.inFlight.get(key);
    if (pending) return this.hit('inflight', await pending);
    this.misses += 1;
    const original = fetch();
    const request = original.then(({ completion, latencyMs }) => ({
      completion: replayable(completion),
      latencyMs,
    }));
    this.inFlight.set(key, request);
    try {
      const fetched = await request;
      this.memory.set(key, fetched);
      this.persistent?.set(key, fetched);
      return { completion: (await original).completion, tier: null };
    } finally {
      this.inFlight.delete(key);
    }
  }

  stats(): CacheStats {
    const lookups = this.hits + this.misses;
    return {
      enabled: true,
      hits: this.hits,
      misses: this.misses,
      hitRate: lookups === 0 ? 0 : round(this.hits / lookups, 4),
      size: this.memory.size,
      maxSize: this.maxSize,
      totalLatencySavedMs: round(this.latencySavedMs),
      memoryHits: this.tierHits.memory,
      persistentHits: this.tierHits.persistent,
      inflightDeduplicated: this.tierHits.inflight,
    };
  }

  private hit(tier: CacheTier, entry: CachedCompletion): CacheLookup {
    this.hits += 1;
    this.tierHits[tier] += 1;
    this.latencySavedMs += entry.latencyMs;
    return { completion: entry.completion, tier };
  }
}

/** A replayed response made no retries and waited on no rate limit: those belong to the original call. */
function replayable({
  retries: _retries,
  rateLimitWaitMs: _waited,
  ...completion
}: Completion): Completion {
  return completion;
}

export function disabledCacheStats(): CacheStats {
  return {
    enabled: false,
    hits: 0,
    misses: 0,
    hitRate: 0,
    size: 0,
    maxSize: 0,
    totalLatencySavedMs: 0,
    memoryHits: 0,
    persistentHits: 0,
    inflightDeduplicated: 0,
  };
}
