import { LRUCache } from 'lru-cache';
import { round } from '../profiler.ts';
import type { CacheStats } from '../profile.ts';
import type { Completion } from '../types.ts';

export type CacheTier = 'memory' | 'inflight';

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
 * This experiment's response cache: an LRU memory tier plus single-flight de-duplication of identical
 * requests in flight. Only successful responses are stored; a failed fetch leaves no trace.
 */
export class ResponseCache {
  private readonly memory: LRUCache<string, CachedCompletion>;
  private readonly inFlight = new Map<string, Promise<CachedCompletion>>();
  private hits = 0;
  private misses = 0;
  private memoryHits = 0;
  private deduplicated = 0;
  private latencySavedMs = 0;

  constructor(readonly maxSize: number) {
    this.memory = new LRUCache({ max: maxSize });
  }

  /** The synchronous part of a lookup (timed as the cache_lookup phase). */
  lookup(key: string): CachedCompletion | undefined {
    const stored = this.memory.get(key);
    if (stored) this.recordHit('memory', stored);
    return stored;
  }

  async fetchOnce(key: string, fetch: () => Promise<CachedCompletion>): Promise<CacheLookup> {
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await pending;
      this.recordHit('inflight', shared);
      return { completion: shared.completion, tier: 'inflight' };
    }
    this.misses += 1;
    const request = fetch();
    this.inFlight.set(key, request);
    try {
      const fetched = await request;
      this.memory.set(key, fetched);
      return { completion: fetched.completion, tier: null };
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
      memoryHits: this.memoryHits,
      inflightDeduplicated: this.deduplicated,
    };
  }

  private recordHit(tier: CacheTier, entry: CachedCompletion): void {
    this.hits += 1;
    this.latencySavedMs += entry.latencyMs;
    if (tier === 'memory') this.memoryHits += 1;
    else this.deduplicated += 1;
  }
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
    inflightDeduplicated: 0,
  };
}
