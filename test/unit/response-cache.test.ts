import { describe, expect, it } from 'vitest';
import {
  ResponseCache,
  type CachedCompletion,
  type PersistentCacheStore,
} from '../../server/engine/cache/response-cache.ts';
import {
  validateConfig,
  type ExperimentConfigInput,
} from '../../server/engine/experiment-config.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import { AttemptRunner, type PendingSample } from '../../server/engine/runner.ts';
import type { Completion, Provider } from '../../server/engine/types.ts';

const completion = (text: string): Completion => ({
  text,
  tokensInput: 10,
  tokensOutput: 1,
  finishReason: 'stop',
});
const entry = (text: string, latencyMs = 50): CachedCompletion => ({
  completion: completion(text),
  latencyMs,
});

/** A persistent tier in a Map that records what the cache asks of it. */
class MapStore implements PersistentCacheStore {
  readonly entries = new Map<string, CachedCompletion>();
  readonly gets: string[] = [];
  readonly sets: string[] = [];

  get(key: string): Promise<CachedCompletion | undefined> {
    this.gets.push(key);
    return Promise.resolve(this.entries.get(key));
  }

  set(key: string, value: CachedCompletion): void {
    this.sets.push(key);
    this.entries.set(key, value);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ResponseCache', () => {
  it('should evict the least recently used entry once cacheMaxSize entries are stored', async () => {
    const cache = new ResponseCache(16);
    for (let i = 0; i < 16; i++)
      await cache.fetchOnce(`k${i}`, () => Promise.resolve(entry(`a${i}`)));
    expect((await cache.lookup('k0'))?.tier).toBe('memory'); // k0 is now the most recently used
    await cache.fetchOnce('k16', () => Promise.resolve(entry('a16')));

    expect(await cache.lookup('k1')).toBeUndefined();
    expect((await cache.lookup('k0'))?.completion.text).toBe('a0');
    expect((await cache.lookup('k16'))?.completion.text).toBe('a16');
    expect(cache.stats()).toMatchObject({
      size: 16,
      maxSize: 16,
      misses: 17,
      memoryHits: 3,
      hits: 3,
    });
  });

  it('should look in the persistent tier after a memory miss, then serve the entry from memory', async () => {
    const store = new MapStore();
    store.entries.set('k', entry('stored', 80));
    const cache = new ResponseCache(16, store);

    expect(await cache.lookup('k')).toEqual({
      completion: completion('stored'),
      tier: 'persistent',
    });
    expect(await cache.lookup('k')).toEqual({ completion: completion('stored'), tier: 'memory' });
    expect(await cache.lookup('other')).toBeUndefined();
    expect(store.gets).toEqual(['k', 'other']);
    expect(cache.stats()).toMatchObject({
      hits: 2,
      persistentHits: 1,
      memoryHits: 1,
      totalLatencySavedMs: 160,
    });
  });

  it('should store a fetched response in both tiers, without the retries and rate-limit wait of the original call', async () => {
    const store = new MapStore();
    const cache = new ResponseCache(16, store);
    const fetched = { ...completion('fresh'), retries: 2, rateLimitWaitMs: 300 };

    const result = await cache.fetchOnce('k', () =>
      Promise.resolve({ completion: fetched, latencyMs: 420 }),
    );

    expect(result).toEqual({ completion: fetched, tier: null });
    expect(store.entries.get('k')).toEqual({ completion: completion('fresh'), latencyMs: 420 });
    expect(await cache.lookup('k')).toEqual({ completion: completion('fresh'), tier: 'memory' });
  });

  it('should send identical requests in flight once and share the response', async () => {
    const cache = new ResponseCache(16, new MapStore());
    const call = deferred<CachedCompletion>();
    let calls = 0;
    const fetch = () => {
      calls += 1;
      return call.promise;
    };

    const first = cache.fetchOnce('k', fetch);
    const second = cache.fetchOnce('k', fetch);
    call.resolve(entry('shared'));

    expect(await Promise.all([first, second])).toEqual([
      { completion: completion('shared'), tier: null },
      { completion: completion('shared'), tier: 'inflight' },
    ]);
    expect(calls).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, inflightDeduplicated: 1 });
  });

  it('should cache no error: a failed call leaves both tiers empty and the next request calls again', async () => {
    const store = new MapStore();
    const cache = new ResponseCache(16, store);
    const failing = deferred<CachedCompletion>();
    const first = cache.fetchOnce('k', () => failing.promise);
    const sharing = cache.fetchOnce('k', () => Promise.resolve(entry('never called')));
    failing.reject(new Error('HTTP 503'));

    await expect(first).rejects.toThrow('HTTP 503');
    await expect(sharing).rejects.toThrow('HTTP 503');
    expect(store.sets).toEqual([]);
    expect(await cache.lookup('k')).toBeUndefined();
    expect(await cache.fetchOnce('k', () => Promise.resolve(entry('retried')))).toEqual({
      completion: completion('retried'),
      tier: null,
    });
  });
});

describe('the cache key as the runner builds it', () => {
  const provider: Provider = {
    kind: 'SIMULATED',
    complete: () => Promise.resolve(completion('4')),
  };
  const samples = (n: number): PendingSample[] =>
    Array.from({ length: n }, (_, i) => ({
      sampleIndex: i,
      example: { id: `e${i}`, question: `What is ${i} + 1?`, answer: `${i + 1}`, aliases: [] },
    }));

  async function keysFor(input: ExperimentConfigInput): Promise<string[]> {
    const config = validateConfig(
      { ...input, optimization: { enableCaching: true, ...input.optimization } },
      () => true,
    );
    const store = new MapStore();
    const runner = new AttemptRunner({
      config,
      method: createNaiveMethod(),
      provider,
      cache: new ResponseCache(config.optimization.cacheMaxSize, store),
      endpoint: null,
      onSample: () => {},
    });
    await runner.run(samples(3), new AbortController().signal);
    return store.gets;
  }

  it('should not change with settings that do not shape the response', async () => {
    const reference = await keysFor({});
    expect(reference).toHaveLength(3);
    expect(new Set(reference).size).toBe(3);
    for (const input of [
      { optimization: { enableBatching: true, batchSize: 32 } },
      { optimization: { cacheMaxSize: 2048, enableProfiling: false } },
      { numSamples: 7, datasetName: 'trivia_qa', provider: { latencyMs: 0, jitterMs: 20 } },
    ] satisfies ExperimentConfigInput[]) {
      expect((await keysFor(input)).sort(), JSON.stringify(input)).toEqual([...reference].sort());
    }
  });

  it('should change every key when a generation parameter or the model changes', async () => {
    const reference = await keysFor({});
    for (const input of [
      { hyperparameters: { temperature: 0.5 } },
      { hyperparameters: { maxTokens: 64 } },
      { hyperparameters: { topP: 0.9 } },
      { hyperparameters: { seed: 7 } },
      { hyperparameters: { stop: ['###'] } },
      { modelName: 'other-model' },
    ] satisfies ExperimentConfigInput[]) {
      const keys = await keysFor(input);
      expect(
        keys.filter((key) => reference.includes(key)),
        JSON.stringify(input),
      ).toEqual([]);
    }
  });
});
