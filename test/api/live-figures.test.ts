import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';

const FIGURES = `metrics { samples latencyP50 latencyP99 throughput }
  profile { totalWallTimeMs profilingSummary { phase count p50Ms p99Ms } }`;

/**
 * While a run goes, metrics and profile are computed from the runner on demand. Many viewers polling a
 * fast run would each sort every latency and phase timing, so one computation serves the reads of the
 * next 100 ms; once the run ends the stored figures answer, exactly.
 */
describe('live figures of a running experiment', () => {
  let t: TestApp;
  let samples: ReturnType<typeof watchSamples>;

  beforeAll(async () => {
    t = await createTestApp();
    samples = watchSamples(t);
  });
  afterAll(async () => {
    samples.stop();
    await t.dispose();
  });

  it('should serve reads close together from one computation, and the stored figures after the end', async () => {
    const id = await launch(t, 'live figures', {
      datasetName: 'arithmetic',
      numSamples: 40,
      provider: { kind: 'SIMULATED', latencyMs: 100, jitterMs: 0 },
      optimization: { enableProfiling: true },
    });
    await samples.until(id, 2);
    // Two reads in one operation: without the shared computation each would carry its own wall time.
    const live = await t.gql<{ a: Record<string, unknown>; b: Record<string, unknown> }>(
      `query ($id: ID!) { a: experiment(id: $id) { status ${FIGURES} } b: experiment(id: $id) { status ${FIGURES} } }`,
      { id },
    );
    expect(live.errors).toBeUndefined();
    expect(live.data?.a.status).toBe('RUNNING');
    expect(live.data?.b).toEqual(live.data?.a);

    await t.gql('mutation ($id: ID!) { cancelExperiment(id: $id) { id } }', { id });
    expect(await t.waitForEnd(id)).toBe('CANCELLED');
    const ended = await t.gql<{
      experiment: { progress: { done: number }; metrics: { samples: number } };
    }>('query ($id: ID!) { experiment(id: $id) { progress { done } metrics { samples } } }', {
      id,
    });
    expect(ended.data?.experiment.metrics.samples).toBe(ended.data?.experiment.progress.done);
  });
});
