import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

describe('launching an experiment with the defaults', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  it('should complete and report real metrics and a profile through GraphQL and REST', async () => {
    const id = await launch(t, 'defaults', {
      numSamples: 20,
      provider: { kind: 'SIMULATED', latencyMs: 5 },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');

    const { data, errors } = await t.gql(
      `query ($id: ID!) { experiment(id: $id) {
        status progress { done total failed }
        config { modelName reasoningMethod datasetName numSamples hyperparameters { temperature maxTokens topP seed stop } }
        metrics { samples accuracyExact accuracySubstring accuracyAny f1Mean latencyP50 latencyP95 latencyP99 throughput tokensInput tokensOutput }
        profile { totalWallTimeMs profilingSummary { phase count totalMs meanMs p50Ms p95Ms p99Ms }
          cacheStats { hits misses hitRate size maxSize totalLatencySavedMs } batchStats { batchesProcessed totalPromptsBatched } }
      } }`,
      { id },
    );
    expect(errors).toBeUndefined();
    const experiment = data!.experiment;
    expect(experiment.status).toBe('COMPLETED');
    expect(experiment.progress).toEqual({ done: 20, total: 20, failed: 0 });
    expect(experiment.config).toMatchObject({
      modelName: 'meta-llama/Llama-3.2-1B-Instruct',
      reasoningMethod: 'NAIVE',
      datasetName: 'trivia_qa',
      hyperparameters: { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] },
    });
    expect(experiment.metrics.samples).toBe(20);
    expect(experiment.metrics.accuracyAny).toBeGreaterThan(0);
    expect(experiment.metrics.accuracyAny).toBeLessThan(1);
    expect(experiment.metrics.latencyP50).toBeGreaterThanOrEqual(5);
    expect(experiment.metrics.throughput).toBeGreaterThan(0);
    expect(experiment.metrics.tokensInput).toBeGreaterThan(0);
    const phases = Object.fromEntries(
      experiment.profile.profilingSummary.map((p: { phase: string }) => [p.phase, p]),
    );
    expect(Object.keys(phases).sort()).toEqual(['api_call', 'metrics', 'parsing', 'prompt_build']);
    expect(phases.api_call.count).toBe(20);
    expect(phases.api_call.p50Ms).toBeGreaterThanOrEqual(5);
    expect(experiment.profile.totalWallTimeMs).toBeGreaterThanOrEqual(20 * 5);

    const rest = await t.fetch(`/api/v1/results/${id}/profile`);
    expect(rest.status).toBe(200);
    const body = await rest.json();
    expect(body).toMatchObject({
      experiment_id: id,
      profiling_summary: {
        api_call: {
          count: 20,
          total_ms: expect.any(Number),
          mean_ms: expect.any(Number),
          p50_ms: expect.any(Number),
          p95_ms: expect.any(Number),
          p99_ms: expect.any(Number),
        },
      },
      cache_stats: {
        hits: 0,
        misses: 0,
        hit_rate: 0,
        size: 0,
        max_size: expect.any(Number),
        total_latency_saved_ms: 0,
      },
      batch_stats: { batches_processed: 0, total_prompts_batched: 0 },
      total_wall_time_ms: experiment.profile.totalWallTimeMs,
    });
  });

  it('should serve GraphiQL to a browser with the example operations preloaded', async () => {
    const response = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('launchExperiment');
    expect(html).toContain('profilingSummary');
  });
});
