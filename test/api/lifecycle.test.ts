import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentEvent } from '../../server/events/event-bus.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';
import {
  FAST,
  create,
  run,
  cancel,
  read,
  errorCode,
  attemptCount,
  sampleRowCount,
} from '../helpers/experiments.ts';

describe('experiment lifecycle: run, re-run, cancel', () => {
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
    const id = await create(t, 'lifecycle', {
      datasetName: 'sample',
      numSamples: 5,
      provider: FAST,
    });
    expect(
      await read(t, id, 'status currentAttempt startedAt completedAt attempts { number }'),
    ).toEqual({
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

    const experiment = await read(
      t,
      id,
      'status error currentAttempt startedAt completedAt progress { done total failed }',
    );
    expect(experiment.status).toBe('COMPLETED');
    expect(experiment.error).toBeNull();
    expect(experiment.currentAttempt).toBe(1);
    expect(experiment.progress).toEqual({ done: 5, total: 5, failed: 0 });
    expect(typeof experiment.startedAt).toBe('string');
    expect(typeof experiment.completedAt).toBe('string');
    expect(Date.parse(experiment.completedAt)).toBeGreaterThanOrEqual(
      Date.parse(experiment.startedAt),
    );
  });

  it('should create attempt 2 when a completed experiment runs again and keep attempt 1 with its samples', async () => {
    const id = await launch(t, 'rerun', { datasetName: 'sample', numSamples: 4, provider: FAST });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const first = await read(
      t,
      id,
      'samples(attempt: 1) { totalCount nodes { sampleIndex exampleId } }',
    );

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
    expect(experiment.first.nodes.map((s: { sampleIndex: number }) => s.sampleIndex)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(experiment.first).toEqual(first.samples);
    expect(experiment.latest.totalCount).toBe(4);
    expect(experiment.latest.nodes).toEqual(first.samples.nodes);
    expect(await attemptCount(t, id)).toBe(2);
    expect(await sampleRowCount(t, id)).toBe(8);
  });

  it('should refuse runExperiment with CONFLICT while queued or running and create no attempt', async () => {
    const id = await launch(t, 'busy', {
      datasetName: 'trivia_qa',
      numSamples: 50,
      provider: { kind: 'SIMULATED', latencyMs: 200 },
    });
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
    expect((await read(t, id, 'currentAttempt attempts { number }')).attempts).toEqual([
      { number: 1 },
    ]);

    expect((await cancel(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('CANCELLED');
  });

  it('should cancel a run mid-way, end CANCELLED and keep the samples already done', async () => {
    const id = await launch(t, 'cancel me', {
      datasetName: 'trivia_qa',
      numSamples: 50,
      provider: { kind: 'SIMULATED', latencyMs: 20 },
    });
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
    expect(experiment.samples.nodes.map((s: { sampleIndex: number }) => s.sampleIndex)).toEqual([
      ...Array(done).keys(),
    ]);
  });

  it('should refuse cancelling a completed or a pending experiment with CONFLICT and change nothing', async () => {
    const completed = await launch(t, 'done', {
      datasetName: 'sample',
      numSamples: 2,
      provider: FAST,
    });
    expect(await t.waitForEnd(completed)).toBe('COMPLETED');
    const result = await cancel(t, completed);
    expect(result.data).toBeNull();
    expect(errorCode(result)).toBe('CONFLICT');
    expect(await read(t, completed, 'status progress { done total }')).toEqual({
      status: 'COMPLETED',
      progress: { done: 2, total: 2 },
    });

    const pending = await create(t, 'pending', {
      datasetName: 'sample',
      numSamples: 2,
      provider: FAST,
    });
    expect(errorCode(await cancel(t, pending))).toBe('CONFLICT');
    expect((await read(t, pending, 'status')).status).toBe('PENDING');
  });
});

describe('cancelling a queued experiment', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One run at a time: a second launch waits in the queue.
    t = await createTestApp({ maxConcurrentRuns: 1 });
  });
  afterAll(() => t.dispose());

  it('should end its current attempt CANCELLED without running a sample', async () => {
    const running = await launch(t, 'holds the only slot', {
      datasetName: 'trivia_qa',
      numSamples: 50,
      provider: { kind: 'SIMULATED', latencyMs: 20 },
    });
    const queued = await launch(t, 'waits', {
      datasetName: 'sample',
      numSamples: 2,
      provider: FAST,
    });
    expect((await read(t, queued, 'status')).status).toBe('QUEUED');

    expect((await cancel(t, queued)).errors).toBeUndefined();
    expect(await read(t, queued, 'status progress { done } attempts { number status }')).toEqual({
      status: 'CANCELLED',
      progress: { done: 0 },
      attempts: [{ number: 1, status: 'CANCELLED' }],
    });
    expect(await sampleRowCount(t, queued)).toBe(0);

    expect((await cancel(t, running)).errors).toBeUndefined();
    expect(await t.waitForEnd(running)).toBe('CANCELLED');
  });
});
