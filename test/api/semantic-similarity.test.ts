import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };

describe('the semanticSimilarity metric', () => {
  let t: TestApp;
  let standin: StandinServer;
  beforeAll(async () => {
    [t, standin] = await Promise.all([createTestApp(), startStandinServer({ models: ['embed'] })]);
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  async function read(id: string) {
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) {
        config { semanticSimilarity { provider { kind } model } }
        metrics { samples failed accuracyAny semanticSimilarity { mean ciLow ciHigh n } }
        profile { profilingSummary { phase count } }
        samples(first: 100) { nodes { correct parsedAnswer expectedAnswer semanticSimilarity semanticSimilarityError } } } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.experiment;
  }

  it('should score every sample, aggregate with a 95 % interval, and export the per-sample values', async () => {
    const id = await launch(t, 'semantic', {
      datasetName: 'trivia_qa',
      numSamples: 30,
      provider: FAST,
      metrics: { semanticSimilarity: {} },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(id);
    expect(experiment.config.semanticSimilarity).toEqual({
      provider: { kind: 'SIMULATED' },
      model: 'lexical-hash-384',
    });
    const samples = experiment.samples.nodes as {
      correct: boolean;
      semanticSimilarity: number;
      semanticSimilarityError: string | null;
    }[];
    expect(
      samples.every(
        (s) =>
          s.semanticSimilarity >= 0 &&
          s.semanticSimilarity <= 1 &&
          s.semanticSimilarityError === null,
      ),
    ).toBe(true);
    // A correct answer that is the gold answer (or an alias) verbatim has cosine 1 with it.
    const mean = samples.reduce((sum, s) => sum + s.semanticSimilarity, 0) / samples.length;
    const aggregate = experiment.metrics.semanticSimilarity;
    expect(aggregate.n).toBe(30);
    expect(aggregate.mean).toBeCloseTo(mean, 5);
    expect(aggregate.ciLow).toBeLessThanOrEqual(aggregate.mean);
    expect(aggregate.ciHigh).toBeGreaterThanOrEqual(aggregate.mean);
    expect(
      experiment.profile.profilingSummary.find(
        (p: { phase: string }) => p.phase === 'semantic_similarity',
      )?.count,
    ).toBe(30);
    const exported = (await (await t.fetch(`/api/v1/results/${id}/export?format=json`)).json()) as
      | { samples?: { semantic_similarity: number }[] }
      | { semantic_similarity: number }[];
    const rows = Array.isArray(exported) ? exported : (exported.samples ?? []);
    expect(rows.map((row) => row.semantic_similarity)).toEqual(
      samples.map((s) => s.semanticSimilarity),
    );
  });

  it('should keep the other metrics and give the reason when the embedding model fails', async () => {
    const semanticSimilarity = {
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url, maxAttempts: 1 },
      model: 'missing',
    };
    const id = await launch(t, 'semantic fails', {
      datasetName: 'trivia_qa',
      numSamples: 3,
      provider: FAST,
      metrics: { semanticSimilarity },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(id);
    expect(experiment.metrics.failed).toBe(0);
    expect(experiment.metrics.semanticSimilarity).toBeNull();
    for (const sample of experiment.samples.nodes) {
      expect(sample.semanticSimilarity).toBeNull();
      expect(sample.semanticSimilarityError).toContain('The model `missing` does not exist');
    }
  });

  it('should leave the metric out when it is not configured', async () => {
    const id = await launch(t, 'plain', {
      datasetName: 'trivia_qa',
      numSamples: 2,
      provider: FAST,
    });
    await t.waitForEnd(id);
    const experiment = await read(id);
    expect(experiment.metrics.semanticSimilarity).toBeNull();
    expect(experiment.config.semanticSimilarity).toBeNull();
    expect(
      experiment.samples.nodes.map(
        (s: { semanticSimilarity: number | null }) => s.semanticSimilarity,
      ),
    ).toEqual([null, null]);
  });
});
