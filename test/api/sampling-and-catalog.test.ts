import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';
import { FAST, create, run, read } from '../helpers/experiments.ts';

describe('sampling, datasets and providers', () => {
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

  it('should cap numSamples at the dataset size', async () => {
    const id = await create(t, 'capped', { datasetName: 'sample', numSamples: 50, provider: FAST });
    expect((await read(t, id, 'progress { done total failed }')).progress).toEqual({
      done: 0,
      total: 10,
      failed: 0,
    });
    expect((await run(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(
      t,
      id,
      'config { numSamples } progress { done total failed } attempts { totalSamples metrics { samples } } samples(first: 100) { totalCount }',
    );
    expect(experiment).toEqual({
      config: { numSamples: 50 },
      progress: { done: 10, total: 10, failed: 0 },
      attempts: [{ totalSamples: 10, metrics: { samples: 10 } }],
      samples: { totalCount: 10 },
    });
  });

  it('should sample the same examples for the same seed and different ones for another seed', async () => {
    async function exampleIds(seed: number): Promise<string[]> {
      const id = await launch(t, `seed ${seed}`, {
        datasetName: 'trivia_qa',
        numSamples: 10,
        hyperparameters: { seed },
        provider: FAST,
      });
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
      const experiment = await read(t, id, 'samples(first: 100) { nodes { exampleId } }');
      return experiment.samples.nodes.map((s: { exampleId: string }) => s.exampleId);
    }
    const first = await exampleIds(7);
    const again = await exampleIds(7);
    const other = await exampleIds(8);
    expect(first).toHaveLength(10);
    expect(new Set(first).size).toBe(10);
    expect(again).toEqual(first);
    expect(other).toHaveLength(10);
    expect(other).not.toEqual(first);
  });

  it('should list every dataset with its size and a SHA-256 content hash that attempts record', async () => {
    const result = await t.gql(`query { datasets { name source size contentHash } }`);
    expect(result.errors).toBeUndefined();
    const datasets: { name: string; source: string; size: number; contentHash: string }[] =
      result.data!.datasets;
    const fileSize = (name: string) =>
      (
        JSON.parse(
          readFileSync(new URL(`../../server/data/datasets/${name}.json`, import.meta.url), 'utf8'),
        ) as unknown[]
      ).length;
    expect(datasets.map(({ name, source, size }) => ({ name, source, size }))).toEqual([
      { name: 'arithmetic', source: 'generated', size: 100_000 },
      { name: 'commonsense_qa', source: 'builtin', size: fileSize('commonsense_qa') },
      { name: 'knowledge_base', source: 'builtin', size: fileSize('knowledge_base') },
      { name: 'math_reasoning', source: 'builtin', size: fileSize('math_reasoning') },
      { name: 'multi_hop', source: 'builtin', size: fileSize('multi_hop') },
      { name: 'react_bench', source: 'builtin', size: fileSize('react_bench') },
      { name: 'sample', source: 'builtin', size: 10 },
      { name: 'trivia_qa', source: 'builtin', size: fileSize('trivia_qa') },
    ]);
    for (const dataset of datasets) expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(datasets.map((d) => d.contentHash)).size).toBe(datasets.length);

    const id = await launch(t, 'hash', { datasetName: 'sample', numSamples: 1, provider: FAST });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(t, id, 'attempts { datasetHash }');
    expect(experiment.attempts).toEqual([
      { datasetHash: datasets.find((d) => d.name === 'sample')!.contentHash },
    ]);
  });

  it('should list SIMULATED as an available and configured provider', async () => {
    const result = await t.gql(`query { providers { kind available configured models } }`);
    expect(result.errors).toBeUndefined();
    const providers: { kind: string; available: boolean; configured: boolean; models: string[] }[] =
      result.data!.providers;
    expect(providers.map((p) => p.kind)).toEqual(['SIMULATED', 'HUGGINGFACE', 'OPENAI_COMPATIBLE']);
    const simulated = providers.find((p) => p.kind === 'SIMULATED')!;
    expect(simulated.available).toBe(true);
    expect(simulated.configured).toBe(true);
    expect(simulated.models).toContain('meta-llama/Llama-3.2-1B-Instruct');
  });
});
