import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { EVENTS_SUBSCRIPTION, readSse } from '../helpers/subscriptions.ts';
import { deleteRedisKeys, newRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

describe('events over Redis between two apps on one database', () => {
  const apps: TestApp[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    // The app that created the database removes it, last.
    const [owner, ...others] = apps.splice(0);
    for (const app of others) await app.dispose({ keepDatabase: true });
    await owner?.dispose();
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  it('should deliver every event of an experiment run by a worker app to a subscriber of an api app, in seq order', async () => {
    const redisPrefix = newRedisPrefix();
    prefixes.push(redisPrefix);
    const runner = await createTestApp({ redisUrl: TEST_REDIS_URL, redisPrefix });
    apps.push(runner);
    const watcher = await createTestApp({
      redisUrl: TEST_REDIS_URL,
      redisPrefix,
      databasePath: runner.databasePath,
      role: 'api',
    });
    apps.push(watcher);

    const id = await launch(runner, 'over-redis', {
      numSamples: 120,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 2 },
      optimization: { enableBatching: true, batchSize: 8 },
    });
    const response = await watcher.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: EVENTS_SUBSCRIPTION, variables: { id, after: 0 } }),
    });
    const events = [];
    for await (const message of readSse(response))
      if (message.event === 'next') events.push(message.data.data.experimentEvents);

    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.__typename === 'SampleCompleted')).toHaveLength(120);
    expect(events.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
    expect(await (await watcher.fetch('/healthz')).json()).toEqual({
      status: 'ok',
      role: 'api',
      database: { ok: true },
      redis: { ok: true },
    });
  });

  it('should serve only /healthz and /metrics on a worker', async () => {
    const redisPrefix = newRedisPrefix();
    prefixes.push(redisPrefix);
    const worker = await createTestApp({ redisUrl: TEST_REDIS_URL, redisPrefix, role: 'worker' });
    apps.push(worker);
    expect((await worker.fetch('/graphql', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await worker.fetch('/')).status).toBe(404);
    expect((await worker.fetch('/healthz')).status).toBe(200);
    expect(await (await worker.fetch('/metrics')).text()).toContain(
      'llmforge_queue_attempts{state="waiting"} 0',
    );
  });

  it('should fail to build with a clear error when Redis cannot be reached', async () => {
    await expect(
      createTestApp({ redisUrl: 'redis://127.0.0.1:1', redisPrefix: newRedisPrefix() }),
    ).rejects.toThrow(
      /^cannot reach Redis at redis:\/\/127\.0\.0\.1:1: the event transport did not answer within \d+ ms$/,
    );
  });
});
