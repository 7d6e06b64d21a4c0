import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { deleteRedisKeys, newRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

describe('the concurrency window of an endpoint, shared by two workers through Redis', () => {
  const apps: TestApp[] = [];
  let standin: StandinServer | null = null;
  afterEach(async () => {
    const [owner, ...others] = apps.splice(0);
    for (const app of others) await app.dispose({ keepDatabase: true });
    await owner?.dispose();
    await standin?.close();
  });

  it('should keep two workers, batch 32 each, within a server that takes 4 in flight: no failed sample', async () => {
    standin = await startStandinServer({ latencyMs: 5, maxInFlight: 4 });
    const redisPrefix = newRedisPrefix();
    // One attempt at a time per app, so each of the two experiments runs on its own worker.
    const first = await createTestApp({
      redisUrl: TEST_REDIS_URL,
      redisPrefix,
      maxConcurrentRuns: 1,
    });
    apps.push(first);
    apps.push(
      await createTestApp({
        redisUrl: TEST_REDIS_URL,
        redisPrefix,
        maxConcurrentRuns: 1,
        databasePath: first.databasePath,
      }),
    );
    const config = (seed: number) => ({
      numSamples: 300,
      datasetName: 'arithmetic',
      hyperparameters: { seed },
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin!.url },
      optimization: { enableBatching: true, batchSize: 32, enableCaching: false },
    });
    const ids = [
      await launch(first, 'shared-1', config(1)),
      await launch(first, 'shared-2', config(2)),
    ];
    expect(await Promise.all(ids.map((id) => first.waitForEnd(id)))).toEqual([
      'COMPLETED',
      'COMPLETED',
    ]);

    const { data } = await first.gql(
      `query ($a: ID!, $b: ID!) { a: experiment(id: $a) { progress { done failed } } b: experiment(id: $b) { progress { done failed } } }`,
      {
        a: ids[0],
        b: ids[1],
      },
    );
    expect(data).toEqual({
      a: { progress: { done: 300, failed: 0 } },
      b: { progress: { done: 300, failed: 0 } },
    });
    expect(standin.stats.ok).toBe(600);
    // Learnt together: 4, or 5 while a probe of the next level is under way.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const [key] = await redis.keys(`${redisPrefix}window:${'?'.repeat(16)}`);
      expect([4, 5]).toContain(Number(await redis.hget(key!, 'limit')));
    } finally {
      redis.disconnect();
    }
    await deleteRedisKeys(redisPrefix);
  });
});
