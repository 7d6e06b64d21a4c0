import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const CACHED = {
  datasetName: 'sample',
  numSamples: 10,
  provider: { kind: 'SIMULATED', latencyMs: 0 },
  optimization: { enableCaching: true, cacheMaxSize: 16 },
};

const RESULT = `query ($id: ID!) {
  experiment(id: $id) {
    status
    metrics { accuracyAny }
    profile { apiCalls cacheStats { hits misses hitRate memoryHits persistentHits inflightDeduplicated } }
    samples(first: 100) { nodes { cacheHit cacheTier } }
  }
}`;

let apps: TestApp[] = [];

afterEach(async () => {
  for (const t of apps.splice(0)) await t.dispose();
});

async function app(databasePath?: string, engineThread?: boolean): Promise<TestApp> {
  const t = await createTestApp({
    ...(databasePath ? { databasePath } : {}),
    ...(engineThread === undefined ? {} : { engineThread }),
  });
  apps.push(t);
  return t;
}

async function runToEnd(t: TestApp, name: string) {
  const id = await launch(t, name, CACHED);
  expect(await t.waitForEnd(id)).toBe('COMPLETED');
  const result = await t.gql(RESULT, { id });
  return { id, experiment: result.data!.experiment };
}

describe('the persistent cache tier', () => {
  it('should serve a second experiment with the same configuration from the persistent tier after a server restart', async () => {
    const first = await app();
    const cold = await runToEnd(first, 'cold');
    expect(cold.experiment.profile).toMatchObject({
      apiCalls: 10,
      cacheStats: { hits: 0, misses: 10, persistentHits: 0 },
    });
    await first.dispose({ keepDatabase: true });
    apps = apps.filter((t) => t !== first);

    const restarted = await app(first.databasePath);
    const warm = await runToEnd(restarted, 'warm');

    expect(warm.experiment.profile).toEqual({
      apiCalls: 0,
      cacheStats: {
        hits: 10,
        misses: 0,
        hitRate: 1,
        memoryHits: 0,
        persistentHits: 10,
        inflightDeduplicated: 0,
      },
    });
    expect(warm.experiment.samples.nodes).toEqual(
      Array.from({ length: 10 }, () => ({ cacheHit: true, cacheTier: 'persistent' })),
    );
    expect(warm.experiment.metrics.accuracyAny).toBe(cold.experiment.metrics.accuracyAny);
    const rest = (await (await restarted.fetch(`/api/v1/results/${warm.id}/profile`)).json()) as {
      cache_stats: Record<string, number>;
    };
    expect(rest.cache_stats).toMatchObject({ hits: 10, persistent_hits: 10, hit_rate: 1 });
  });

  it.each([
    ['on the API thread', false],
    // The engine thread stores its responses through its own connection: the run must have stored
    // them all before it ends, or a clear right after misses the ones still buffered there.
    ['in the engine thread', true],
  ])(
    'should empty the tier with clearCache, so the next run of the same configuration calls the provider again (attempts %s)',
    async (_where, engineThread) => {
      const t = await app(undefined, engineThread);
      await runToEnd(t, 'fills the cache');
      expect((await t.gql('{ responseCache { entries maxEntries } }')).data).toEqual({
        responseCache: { entries: 10, maxEntries: 100_000 },
      });

      expect((await t.gql('mutation { clearCache { entriesRemoved } }')).data).toEqual({
        clearCache: { entriesRemoved: 10 },
      });
      expect((await t.gql('{ responseCache { entries } }')).data).toEqual({
        responseCache: { entries: 0 },
      });

      const again = await runToEnd(t, 'after clearCache');
      expect(again.experiment.profile).toMatchObject({
        apiCalls: 10,
        cacheStats: { hits: 0, persistentHits: 0 },
      });
    },
  );
});
