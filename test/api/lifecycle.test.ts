import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentEvent } from '../../server/events/event-bus.ts';
import { createTestApp, launch, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };

async function create(t: TestApp, name: string, config: Record<string, unknown>): Promise<string> {
  const result = await t.gql(
    `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id status } }`,
    { input: { name, config } },
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.createExperiment.status).toBe('PENDING');
  return result.data!.createExperiment.id;
}

function run(t: TestApp, id: string) {
  return t.gql(`mutation ($id: ID!) { runExperiment(id: $id) { id status currentAttempt } }`, { id });
}

function cancel(t: TestApp, id: string) {
  return t.gql(`mutation ($id: ID!) { cancelExperiment(id: $id) { id status progress { done total failed } } }`, { id });
}

function remove(t: TestApp, id: string) {
  return t.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) }`, { id });
}

async function read(t: TestApp, id: string, fields: string) {
  const result = await t.gql(`query ($id: ID!) { experiment(id: $id) { ${fields} } }`, { id });
  expect(result.errors).toBeUndefined();
  return result.data!.experiment;
}

function errorCode(result: GraphQLResponse): unknown {
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!.extensions?.code;
}

async function count(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await t.app.orm.em.fork().getConnection().execute<{ n: number }[]>(sql, params);
  return Number(rows[0]?.n);
}

function attemptCount(t: TestApp, id: string) {
  return count(t, 'select count(*) as n from attempts where experiment_id = ?', [id]);
}

function sampleRowCount(t: TestApp, id: string) {
  return count(
    t,
    'select count(*) as n from sample_results where attempt_id in (select id from attempts where experiment_id = ?)',
    [id],
  );
}

describe('experiment lifecycle', () => {
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

  it('should go PENDING → QUEUED → RUNNING → COMPLETED', async () => {
    const id = await create(t, 'lifecycle', { datasetName: 'sample', numSamples: 5, provider: FAST });
    expect(await read(t, id, 'status currentAttempt startedAt completedAt attempts { number }')).toEqual({
      status: 'PENDING',
      currentAttempt: 0,
      startedAt: null,
      completedAt: null,
      attempts: [],
    });

    const statuses: string[] = [];
    const stop = t.app.bus.subscribe(id, (event: ExperimentEvent) => {
      if (event.type === 'ExperimentStatusChanged') statuses.push(event.status);
    });
    const ran = await run(t, id);
    expect(ran.errors).toBeUndefined();
    expect(ran.data!.runExperiment).toEqual({ id, status: 'QUEUED', currentAttempt: 1 });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    stop();
    expect(statuses).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);

    const experiment = await read(t, id, 'status error currentAttempt startedAt completedAt progress { done total failed }');
    expect(experiment.status).toBe('COMPLETED');
    expect(experiment.error).toBeNull();
    expect(experiment.currentAttempt).toBe(1);
    expect(experiment.progress).toEqual({ done: 5, total: 5, failed: 0 });
    expect(typeof experiment.startedAt).toBe('string');
    expect(typeof experiment.completedAt).toBe('string');
    expect(Date.parse(experiment.completedAt)).toBeGreaterThanOrEqual(Date.parse(experiment.startedAt));
  });

  it('should create attempt 2 when a completed experiment runs again and keep attempt 1 with its samples', async () => {
    const id = await launch(t, 'rerun', { datasetName: 'sample', numSamples: 4, provider: FAST });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const first = await read(t, id, 'samples(attempt: 1) { totalCount nodes { sampleIndex exampleId } }');

    const ran = await run(t, id);
    expect(ran.errors).toBeUndefined();
    expect(ran.data!.runExperiment).toEqual({ id, status: 'QUEUED', currentAttempt: 2 });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');

    const experiment = await read(
      t,
      id,
      `currentAttempt attempts { number status totalSamples metrics { samples } }
       first: samples(attempt: 1) { totalCount nodes { sampleIndex exampleId } }
       latest: samples { totalCount nodes { sampleIndex exampleId } }`,
    );
    expect(experiment.currentAttempt).toBe(2);
    expect(experiment.attempts).toEqual([
      { number: 1, status: 'COMPLETED', totalSamples: 4, metrics: { samples: 4 } },
      { number: 2, status: 'COMPLETED', totalSamples: 4, metrics: { samples: 4 } },
    ]);
    expect(experiment.first.totalCount).toBe(4);
    expect(experiment.first.nodes.map((s: { sampleIndex: number }) => s.sampleIndex)).toEqual([0, 1, 2, 3]);
    expect(experiment.first).toEqual(first.samples);
    expect(experiment.latest.totalCount).toBe(4);
    expect(experiment.latest.nodes).toEqual(first.samples.nodes);
    expect(await attemptCount(t, id)).toBe(2);
    expect(await sampleRowCount(t, id)).toBe(8);
  });

  it('should refuse runExperiment with CONFLICT while queued or running and create no attempt', async () => {
    const id = await launch(t, 'busy', { datasetName: 'trivia_qa', numSamples: 50, provider: { kind: 'SIMULATED', latencyMs: 200 } });
    const status = (await read(t, id, 'status')).status;
    expect(['QUEUED', 'RUNNING']).toContain(status);
    const whileActive = await run(t, id);
    expect(whileActive.data).toBeNull();
    expect(errorCode(whileActive)).toBe('CONFLICT');
    expect(await attemptCount(t, id)).toBe(1);

    await samples.until(id, 1);
    expect((await read(t, id, 'status')).status).toBe('RUNNING');
    const whileRunning = await run(t, id);
    expect(errorCode(whileRunning)).toBe('CONFLICT');
    expect(await attemptCount(t, id)).toBe(1);
    expect((await read(t, id, 'currentAttempt attempts { number }')).attempts).toEqual([{ number: 1 }]);

    expect((await cancel(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('CANCELLED');
  });

  it('should cancel a run mid-way, end CANCELLED and keep the samples already done', async () => {
    const id = await launch(t, 'cancel me', { datasetName: 'trivia_qa', numSamples: 50, provider: { kind: 'SIMULATED', latencyMs: 20 } });
    await samples.until(id, 3);
    const cancelled = await cancel(t, id);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelExperiment.status).toBe('CANCELLED');
    expect(await t.waitForEnd(id)).toBe('CANCELLED');

    const experiment = await read(
      t,
      id,
      'status completedAt progress { done total failed } attempts { status metrics { samples } } samples(first: 100) { totalCount nodes { sampleIndex } }',
    );
    const { done, total, failed } = experiment.progress;
    expect(experiment.status).toBe('CANCELLED');
    expect(typeof experiment.completedAt).toBe('string');
    expect(total).toBe(50);
    expect(failed).toBe(0);
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(total);
    expect(experiment.attempts).toEqual([{ status: 'CANCELLED', metrics: { samples: done } }]);
    expect(experiment.samples.totalCount).toBe(done);
    expect(await sampleRowCount(t, id)).toBe(done);
    // Samples run in order one at a time (no batching): the done ones are the first `done`.
    expect(experiment.samples.nodes.map((s: { sampleIndex: number }) => s.sampleIndex)).toEqual([...Array(done).keys()]);
  });

  it('should refuse cancelling a completed or a pending experiment with CONFLICT and change nothing', async () => {
    const completed = await launch(t, 'done', { datasetName: 'sample', numSamples: 2, provider: FAST });
    expect(await t.waitForEnd(completed)).toBe('COMPLETED');
    const result = await cancel(t, completed);
    expect(result.data).toBeNull();
    expect(errorCode(result)).toBe('CONFLICT');
    expect((await read(t, completed, 'status progress { done total }'))).toEqual({ status: 'COMPLETED', progress: { done: 2, total: 2 } });

    const pending = await create(t, 'pending', { datasetName: 'sample', numSamples: 2, provider: FAST });
    expect(errorCode(await cancel(t, pending))).toBe('CONFLICT');
    expect((await read(t, pending, 'status')).status).toBe('PENDING');
  });

  it('should delete an experiment with its attempts and sample rows', async () => {
    const id = await launch(t, 'delete me', { datasetName: 'sample', numSamples: 3, provider: FAST });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    expect((await run(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const kept = await launch(t, 'keep me', { datasetName: 'sample', numSamples: 2, provider: FAST });
    expect(await t.waitForEnd(kept)).toBe('COMPLETED');
    expect(await attemptCount(t, id)).toBe(2);
    expect(await sampleRowCount(t, id)).toBe(6);

    const deleted = await remove(t, id);
    expect(deleted).toEqual({ data: { deleteExperiment: true } });
    expect(await count(t, 'select count(*) as n from experiments where id = ?', [id])).toBe(0);
    expect(await attemptCount(t, id)).toBe(0);
    expect(await sampleRowCount(t, id)).toBe(0);
    // Nothing else was touched.
    expect(await attemptCount(t, kept)).toBe(1);
    expect(await sampleRowCount(t, kept)).toBe(2);
  });

  it('should stop a running experiment when deleting it and leave no rows behind', async () => {
    const id = await launch(t, 'delete while running', { datasetName: 'trivia_qa', numSamples: 50, provider: { kind: 'SIMULATED', latencyMs: 20 } });
    await samples.until(id, 2);
    expect(await remove(t, id)).toEqual({ data: { deleteExperiment: true } });
    expect(t.app.scheduler.execution(id)).toBeUndefined();
    expect(await count(t, 'select count(*) as n from experiments where id = ?', [id])).toBe(0);
    expect(await attemptCount(t, id)).toBe(0);
    expect(await sampleRowCount(t, id)).toBe(0);
  });

  it('should answer NOT_FOUND for a deleted or unknown id in every operation', async () => {
    const deleted = await launch(t, 'gone', { datasetName: 'sample', numSamples: 1, provider: FAST });
    expect(await t.waitForEnd(deleted)).toBe('COMPLETED');
    expect((await remove(t, deleted)).errors).toBeUndefined();

    for (const id of [deleted, randomUUID(), 'not-even-a-uuid']) {
      const query = await t.gql(`query ($id: ID!) { experiment(id: $id) { id } }`, { id });
      expect(query.data).toEqual({ experiment: null });
      expect(errorCode(query)).toBe('NOT_FOUND');
      for (const mutation of [run, cancel, remove]) {
        const result = await mutation(t, id);
        expect(result.data).toBeNull();
        expect(errorCode(result)).toBe('NOT_FOUND');
      }
    }
    expect(await attemptCount(t, deleted)).toBe(0);
  });

  it('should cap numSamples at the dataset size', async () => {
    const id = await create(t, 'capped', { datasetName: 'sample', numSamples: 50, provider: FAST });
    expect((await read(t, id, 'progress { done total failed }')).progress).toEqual({ done: 0, total: 10, failed: 0 });
    expect((await run(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(t, id, 'config { numSamples } progress { done total failed } attempts { totalSamples metrics { samples } } samples(first: 100) { totalCount }');
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
    const datasets: { name: string; source: string; size: number; contentHash: string }[] = result.data!.datasets;
    const fileSize = (name: string) =>
      (JSON.parse(readFileSync(new URL(`../../server/data/datasets/${name}.json`, import.meta.url), 'utf8')) as unknown[]).length;
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
    expect(experiment.attempts).toEqual([{ datasetHash: datasets.find((d) => d.name === 'sample')!.contentHash }]);
  });

  it('should list SIMULATED as an available and configured provider', async () => {
    const result = await t.gql(`query { providers { kind available configured models } }`);
    expect(result.errors).toBeUndefined();
    const providers: { kind: string; available: boolean; configured: boolean; models: string[] }[] = result.data!.providers;
    expect(providers.map((p) => p.kind)).toEqual(['SIMULATED', 'HUGGINGFACE', 'OPENAI_COMPATIBLE']);
    const simulated = providers.find((p) => p.kind === 'SIMULATED')!;
    expect(simulated.available).toBe(true);
    expect(simulated.configured).toBe(true);
    expect(simulated.models).toContain('meta-llama/Llama-3.2-1B-Instruct');
  });
});

describe('the experiments query', () => {
  let t: TestApp;
  const ids: string[] = [];
  const EXPERIMENTS = [
    { name: 'e1', config: { reasoningMethod: 'NAIVE', modelName: 'meta-llama/Llama-3.2-1B-Instruct' } },
    { name: 'e2', config: { reasoningMethod: 'COT', modelName: 'Qwen/Qwen2.5-7B-Instruct' } },
    { name: 'e3', config: { reasoningMethod: 'NAIVE', modelName: 'meta-llama/Llama-3.1-8B-Instruct' } },
    { name: 'e4', config: { reasoningMethod: 'COT', modelName: 'meta-llama/Llama-3.2-3B-Instruct' } },
    { name: 'e5', config: { reasoningMethod: 'REACT', modelName: 'mistralai/Mistral-7B-Instruct' } },
  ];

  beforeAll(async () => {
    t = await createTestApp();
    for (const { name, config } of EXPERIMENTS) {
      ids.push(await create(t, name, { ...config, datasetName: 'sample', numSamples: 2, provider: FAST }));
    }
    expect((await run(t, ids[0]!)).errors).toBeUndefined();
    expect(await t.waitForEnd(ids[0]!)).toBe('COMPLETED');
  });
  afterAll(() => t.dispose());

  async function list(args: string) {
    const result = await t.gql(
      `query { experiments${args ? `(${args})` : ''} { totalCount nodes { id name } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.experiments;
  }
  const names = (page: { nodes: { name: string }[] }) => page.nodes.map((n) => n.name);

  it('should list experiments newest first', async () => {
    const page = await list('');
    expect(page.totalCount).toBe(5);
    expect(names(page)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(page.nodes.map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it('should filter by status', async () => {
    const completed = await list('status: COMPLETED');
    expect(completed.totalCount).toBe(1);
    expect(names(completed)).toEqual(['e1']);
    const pending = await list('status: PENDING');
    expect(pending.totalCount).toBe(4);
    expect(names(pending)).toEqual(['e5', 'e4', 'e3', 'e2']);
    expect((await list('status: RUNNING')).totalCount).toBe(0);
  });

  it('should filter by method', async () => {
    const cot = await list('method: COT');
    expect(cot.totalCount).toBe(2);
    expect(names(cot)).toEqual(['e4', 'e2']);
    expect(names(await list('method: NAIVE'))).toEqual(['e3', 'e1']);
    expect((await list('method: RAG')).totalCount).toBe(0);
  });

  it('should filter by a case-insensitive substring of the model name', async () => {
    const llama32 = await list('model: "LLAMA-3.2"');
    expect(llama32.totalCount).toBe(2);
    expect(names(llama32)).toEqual(['e4', 'e1']);
    expect(names(await list('model: "qwen"'))).toEqual(['e2']);
    expect(names(await list('model: "instruct"'))).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect((await list('model: "gpt"')).totalCount).toBe(0);
  });

  it('should treat % and _ in the model filter as literal characters', async () => {
    expect((await list('model: "%"')).totalCount).toBe(0);
    expect((await list('model: "_"')).totalCount).toBe(0);
    expect((await list('model: "Llama_3"')).totalCount).toBe(0);
  });

  it('should combine filters', async () => {
    const page = await list('method: NAIVE, model: "3.2", status: COMPLETED');
    expect(page.totalCount).toBe(1);
    expect(names(page)).toEqual(['e1']);
  });

  it('should page through every experiment with cursors without duplicates or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const pages: { names: string[]; hasNextPage: boolean; totalCount: number }[] = [];
    do {
      const page = await list(`first: 2${after ? `, after: "${after}"` : ''}`);
      pages.push({ names: names(page), hasNextPage: page.pageInfo.hasNextPage, totalCount: page.totalCount });
      seen.push(...names(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toEqual([
      { names: ['e5', 'e4'], hasNextPage: true, totalCount: 5 },
      { names: ['e3', 'e2'], hasNextPage: true, totalCount: 5 },
      { names: ['e1'], hasNextPage: false, totalCount: 5 },
    ]);
    expect(seen).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
  });

  it('should page within a filter', async () => {
    const first = await list('method: COT, first: 1');
    expect(names(first)).toEqual(['e4']);
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list(`method: COT, first: 1, after: "${first.pageInfo.endCursor}"`);
    expect(names(second)).toEqual(['e2']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    ['first: 0', 'first'],
    ['first: 101', 'first'],
    ['first: -1', 'first'],
    ['after: "garbage"', 'after'],
    [`after: "${Buffer.from('[]').toString('base64url')}"`, 'after'],
  ])('should refuse %s with BAD_USER_INPUT', async (args, field) => {
    const result = await t.gql(`query { experiments(${args}) { totalCount } }`);
    expect(result.data).toBeNull();
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions?.field).toBe(field);
  });

  it('should accept first 100', async () => {
    const page = await list('first: 100');
    expect(page.nodes).toHaveLength(5);
  });
});
