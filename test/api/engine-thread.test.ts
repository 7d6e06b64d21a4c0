import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { ThreadDispatcher } from '../../server/engine-thread/thread-dispatcher.ts';
import { count, sampleRowCount } from '../helpers/experiments.ts';
import { collect, EVENTS_SUBSCRIPTION, wsClients } from '../helpers/subscriptions.ts';
import {
  createTestApp,
  launch,
  newDatabasePath,
  removeDatabase,
  type TestApp,
} from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';

interface StreamEvent {
  __typename: string;
  seq: number;
  status?: string;
}

const FIGURES = 'status progress { done total failed } metrics { samples accuracyAny }';

/**
 * The server's default: attempts run in an engine thread, the API on the main thread. Everything a
 * client sees goes through the real GraphQL API and a real WebSocket; the run itself happens in the
 * other thread, which has its own database connection and reaches this one through the event bus.
 */
describe('the engine thread', () => {
  let t: TestApp;
  let url: string;
  let samples: ReturnType<typeof watchSamples>;
  let standin: StandinServer;
  const clients = wsClients(() => url);

  beforeAll(async () => {
    // A real OpenAI-compatible server: the engine thread's calls go over HTTP like a user's would.
    standin = await startStandinServer({ latencyMs: 5 });
    t = await createTestApp({ engineThread: true });
    url = await t.app.start();
    samples = watchSamples(t);
  });
  afterAll(async () => {
    samples.stop();
    await clients.disposeAll();
    await t.dispose();
    await standin.close();
  });

  const client = () => clients.client();

  async function figures(id: string) {
    const result = await t.gql<{
      experiment: {
        status: string;
        progress: { done: number; total: number; failed: number };
        metrics: { samples: number; accuracyAny: number } | null;
      };
    }>(`query ($id: ID!) { experiment(id: $id) { ${FIGURES} } }`, { id });
    expect(result.errors).toBeUndefined();
    return result.data!.experiment;
  }

  it('should run attempts there, stream every event in order over a WebSocket, and serve live then stored figures', async () => {
    expect(t.app.scheduler).toBeInstanceOf(ThreadDispatcher);
    const id = await launch(t, 'in the engine thread', {
      datasetName: 'arithmetic',
      numSamples: 200,
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
      optimization: { enableBatching: true, batchSize: 8, enableCaching: false },
    });
    const events = collect<{ experimentEvents: StreamEvent }>(client(), EVENTS_SUBSCRIPTION, {
      id,
      after: 0,
    });
    await samples.until(id, 40);
    expect(t.app.scheduler.runsHere(id)).toBe(true);
    const live = await figures(id);
    expect(live.status).toBe('RUNNING');
    expect(live.progress.total).toBe(200);
    expect(live.progress.done).toBeLessThan(200);

    const stream = (await events).map((item) => item.experimentEvents);
    expect(stream.map((event) => event.seq)).toEqual(stream.map((_, index) => index + 1));
    expect(stream.filter((event) => event.__typename === 'SampleCompleted')).toHaveLength(200);
    expect(stream.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const stored = await figures(id);
    expect(stored.progress).toEqual({ done: 200, total: 200, failed: 0 });
    expect(stored.metrics?.samples).toBe(200);
    expect(await sampleRowCount(t, id)).toBe(200);
    expect(t.app.scheduler.runsHere(id)).toBe(false);

    // The engine thread's samples and provider calls are in this process's /metrics.
    const text = await (await t.fetch('/metrics')).text();
    const outcomes = ['correct', 'wrong', 'failed'].map((outcome) =>
      metricValue(text, `llmforge_samples_total{outcome="${outcome}"}`),
    );
    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(metricValue(text, 'llmforge_provider_calls_total{result="success"}')).toBe(200);
    expect(metricValue(text, 'llmforge_attempts_running')).toBe(0);
  });

  it('should stop a running attempt there when it is cancelled, keeping exactly the samples it stored', async () => {
    const id = await launch(t, 'cancelled there', {
      datasetName: 'arithmetic',
      numSamples: 2000,
      provider: { kind: 'SIMULATED', latencyMs: 20, jitterMs: 0 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    await samples.until(id, 10);
    const cancelled = await t.gql('mutation ($id: ID!) { cancelExperiment(id: $id) { status } }', {
      id,
    });
    expect(cancelled.data).toEqual({ cancelExperiment: { status: 'CANCELLED' } });
    expect(t.app.scheduler.runsHere(id)).toBe(false);
    const ended = await figures(id);
    expect(ended.status).toBe('CANCELLED');
    expect(ended.progress.done).toBeLessThan(2000);
    expect(await sampleRowCount(t, id)).toBe(ended.progress.done);
  });

  it('should run a dataset imported after the engine thread started', async () => {
    const records = Array.from({ length: 12 }, (_, i) => ({
      id: `late-${i}`,
      question: `What is ${i} plus ${i}?`,
      answer: String(2 * i),
    }));
    const imported = await t.gql(
      'mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { name size } }',
      {
        input: {
          name: 'imported_after_start',
          format: 'JSONL',
          content: records.map((record) => JSON.stringify(record)).join('\n'),
        },
      },
    );
    expect(imported.data).toEqual({ importDataset: { name: 'imported_after_start', size: 12 } });
    const id = await launch(t, 'late import', {
      datasetName: 'imported_after_start',
      numSamples: 12,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    expect((await figures(id)).progress).toEqual({ done: 12, total: 12, failed: 0 });
  });

  it('should start another engine thread when it dies, and resume its attempt with no gap in the stream', async () => {
    const id = await launch(t, 'survives its thread', {
      datasetName: 'arithmetic',
      numSamples: 300,
      provider: { kind: 'SIMULATED', latencyMs: 10, jitterMs: 0 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    const events = collect<{ experimentEvents: StreamEvent & { sampleIndex?: number } }>(
      client(),
      EVENTS_SUBSCRIPTION,
      { id, after: 0 },
    );
    await samples.until(id, 20);
    await (t.app.scheduler as ThreadDispatcher).terminateEngineThread();
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const stream = (await events).map((item) => item.experimentEvents);
    expect(stream.map((event) => event.seq)).toEqual(stream.map((_, index) => index + 1));
    const indices = stream
      .filter((event) => event.__typename === 'SampleCompleted')
      .map((event) => event.sampleIndex);
    expect(new Set(indices).size).toBe(300);
    expect(indices).toHaveLength(300);
    expect(await sampleRowCount(t, id)).toBe(300);
    expect((await figures(id)).progress).toEqual({ done: 300, total: 300, failed: 0 });
  });

  it('should run at a lower priority than the API thread (Linux)', async () => {
    if (process.platform !== 'linux') return;
    // Field 19 of /proc/<pid>/task/<tid>/stat is the nice value; after the command name, field 3 is the first.
    const nice = readdirSync('/proc/self/task').map((tid) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
    );
    expect(nice.filter((value) => value === 10)).toHaveLength(1);
    expect(nice.filter((value) => value === 0).length).toBeGreaterThan(0);
  });
});

describe('the engine thread across a restart', () => {
  it('should resume an attempt interrupted by a shutdown and store each sample exactly once', async () => {
    const databasePath = newDatabasePath();
    const first = await createTestApp({ databasePath, engineThread: true });
    const samples = watchSamples(first);
    const id = await launch(first, 'resumed there', {
      datasetName: 'arithmetic',
      numSamples: 300,
      provider: { kind: 'SIMULATED', latencyMs: 10, jitterMs: 0 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    await samples.until(id, 20);
    samples.stop();
    await first.dispose({ keepDatabase: true });

    const second = await createTestApp({ databasePath, engineThread: true });
    try {
      const ended = second.waitForEnd(id);
      await second.app.start();
      expect(await ended).toBe('COMPLETED');
      expect(await sampleRowCount(second, id)).toBe(300);
      expect(
        await count(
          second,
          'select count(distinct sample_index) as n from sample_results r join attempts a on a.id = r.attempt_id where a.experiment_id = ?',
          [id],
        ),
      ).toBe(300);
    } finally {
      await second.dispose({ keepDatabase: true });
      await removeDatabase(databasePath);
    }
  });
});

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}
