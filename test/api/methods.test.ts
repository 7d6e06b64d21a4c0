import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

interface Sample {
  sampleIndex: number;
  exampleId: string;
  expectedAnswer: string;
  rawOutput: string | null;
  parsedAnswer: string | null;
  correct: boolean;
  error: string | null;
}

const FAST = { kind: 'SIMULATED', latencyMs: 0 };

describe('reasoning methods through the GraphQL API (simulated provider)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  async function runToEnd(name: string, config: Record<string, unknown>) {
    const id = await launch(t, name, config);
    const status = await t.waitForEnd(id);
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) {
        status error progress { done total failed }
        metrics { samples failed accuracyAny accuracyExact }
        profile { warnings cacheStats { enabled } }
        attempts { status error }
        samples(first: 1000) { totalCount nodes { sampleIndex exampleId expectedAnswer rawOutput parsedAnswer correct error } }
      } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    return { id, status, experiment: result.data!.experiment };
  }

  describe('on all of math_reasoning with seed 42', () => {
    let naive: Awaited<ReturnType<typeof runToEnd>>;
    let cot: Awaited<ReturnType<typeof runToEnd>>;
    let size: number;
    beforeAll(async () => {
      const datasets = await t.gql(`query { datasets { name size } }`);
      size = datasets.data!.datasets.find(
        (d: { name: string }) => d.name === 'math_reasoning',
      ).size;
      const common = {
        datasetName: 'math_reasoning',
        numSamples: 100_000,
        hyperparameters: { seed: 42 },
        provider: FAST,
      };
      naive = await runToEnd('math naive', { ...common, reasoningMethod: 'NAIVE' });
      cot = await runToEnd('math cot', { ...common, reasoningMethod: 'COT' });
    });

    it('should run every example of the dataset with both methods', () => {
      for (const run of [naive, cot]) {
        expect(run.status).toBe('COMPLETED');
        expect(run.experiment.progress).toEqual({ done: size, total: size, failed: 0 });
        expect(run.experiment.samples.totalCount).toBe(size);
        expect(run.experiment.metrics.samples).toBe(size);
      }
      const ids = (run: typeof naive) =>
        run.experiment.samples.nodes.map((s: Sample) => s.exampleId);
      expect(ids(cot)).toEqual(ids(naive));
    });

    it('should make COT beat NAIVE by at least 0.2 accuracy', () => {
      const naiveAccuracy: number = naive.experiment.metrics.accuracyAny;
      const cotAccuracy: number = cot.experiment.metrics.accuracyAny;
      expect(cotAccuracy - naiveAccuracy).toBeGreaterThanOrEqual(0.2);
      // The headline accuracy is the share of correct samples.
      const correct = (run: typeof naive) =>
        run.experiment.samples.nodes.filter((s: Sample) => s.correct).length;
      expect(correct(naive) / size).toBe(naiveAccuracy);
      expect(correct(cot) / size).toBe(cotAccuracy);
    });

    it('should keep decimals and currency in the answers COT parses', () => {
      const decimal: Sample[] = cot.experiment.samples.nodes.filter((s: Sample) =>
        s.expectedAnswer.includes('.'),
      );
      const correct = decimal.filter((s) => s.correct);
      expect(correct.length).toBeGreaterThanOrEqual(5);
      for (const sample of correct) expect(sample.parsedAnswer).toBe(sample.expectedAnswer);
      expect(correct.some((s) => s.expectedAnswer.startsWith('$'))).toBe(true);
      expect(correct.some((s) => !s.expectedAnswer.startsWith('$'))).toBe(true);
      // Wrong answers are wrong numbers in the same format, never a cut-off one ("$17" for "$17.50").
      for (const sample of decimal) {
        const decimals = sample.expectedAnswer.split('.')[1]!.length;
        expect(sample.parsedAnswer).toMatch(new RegExp(`\\d\\.\\d{${decimals}}$`));
        expect(sample.parsedAnswer!.startsWith('$')).toBe(sample.expectedAnswer.startsWith('$'));
      }
    });

    it('should get a short answer from NAIVE and a reasoning chain from COT', () => {
      for (const sample of naive.experiment.samples.nodes as Sample[]) {
        expect(sample.error).toBeNull();
        expect(sample.rawOutput).not.toContain('\n');
        expect(sample.rawOutput).not.toContain('Therefore');
        expect(sample.rawOutput!.split(/\s+/).length).toBeLessThanOrEqual(5);
        expect(sample.parsedAnswer).toBe(sample.rawOutput!.trim());
      }
      for (const sample of cot.experiment.samples.nodes as Sample[]) {
        expect(sample.error).toBeNull();
        expect(sample.rawOutput).toContain('Therefore, the answer is');
        expect(sample.rawOutput).toContain('\n');
        expect(sample.rawOutput!.length).toBeGreaterThan(sample.parsedAnswer!.length + 30);
      }
    });
  });

  it.each([
    [
      'REACT',
      { agent: { maxIterations: 4, tools: ['calculator'] } },
      { agent: { maxIterations: 4, tools: ['calculator'] }, rag: null },
    ],
    [
      'RAG',
      { rag: { retrieval: 'HYBRID', topK: 5 } },
      { agent: null, rag: { retrieval: 'HYBRID', topK: 5 } },
    ],
  ])(
    'should store the settings of a %s experiment and run it to completion',
    async (method, extra, stored) => {
      const created = await t.gql(
        `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id status config { reasoningMethod agent { maxIterations tools } rag { retrieval topK } } } }`,
        {
          input: {
            name: `${method} pending`,
            config: {
              reasoningMethod: method,
              datasetName: 'sample',
              numSamples: 3,
              provider: FAST,
              ...extra,
            },
          },
        },
      );
      expect(created.errors).toBeUndefined();
      expect(created.data!.createExperiment.status).toBe('PENDING');
      expect(created.data!.createExperiment.config).toEqual({ reasoningMethod: method, ...stored });

      const run = await runToEnd(`${method} run`, {
        reasoningMethod: method,
        datasetName: 'sample',
        numSamples: 3,
        provider: FAST,
        ...extra,
      });
      expect(run.status).toBe('COMPLETED');
      expect(run.experiment.error).toBeNull();
      expect(run.experiment.attempts).toEqual([{ status: 'COMPLETED', error: null }]);
      expect(run.experiment.progress).toEqual({ done: 3, total: 3, failed: 0 });
      expect(run.experiment.samples.totalCount).toBe(3);
    },
  );

  it.each([
    [true, 0.7, 1],
    [true, 0, 0],
    [false, 0.7, 0],
  ])(
    'should warn about temperature in the profile only when caching is on at temperature > 0 (caching %s, temperature %s)',
    async (enableCaching, temperature, warnings) => {
      const run = await runToEnd(`cache ${enableCaching} temperature ${temperature}`, {
        datasetName: 'sample',
        numSamples: 5,
        hyperparameters: { temperature },
        optimization: { enableCaching },
        provider: FAST,
      });
      expect(run.status).toBe('COMPLETED');
      expect(run.experiment.profile.cacheStats.enabled).toBe(enableCaching);
      const list: string[] = run.experiment.profile.warnings;
      expect(list).toHaveLength(warnings);
      if (warnings > 0) expect(list[0]).toContain('temperature');
    },
  );
});
