import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../server/engine/runner.ts';
import type { ExperimentEvent } from '../../server/events/event-bus.ts';
import { EventStore } from '../../server/events/event-store.ts';
import { ResultWriter } from '../../server/experiments/result-writer.ts';
import { count } from '../helpers/experiments.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

/** Long enough that nothing is written unless a test flushes it. */
const NEVER_MS = 600_000;

/**
 * Events and sample results are stored by two writers, yet an experiment's stored events must always
 * be its first k: whoever takes over after a crash numbers on from the highest stored seq, so an
 * event missing below it would be a gap in every stream for good.
 */
describe('the stored event log of a running attempt', () => {
  let t: TestApp;
  let experimentId: string;
  let attemptId: number;
  let firstSeq: number;
  let store: EventStore;
  let writer: ResultWriter;
  let settled: { seqs: number[]; committed: boolean }[];
  let nextSample = 1000;

  beforeAll(async () => {
    t = await createTestApp();
    experimentId = await launch(t, 'an ended run to write beside', {
      numSamples: 1,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    await t.waitForEnd(experimentId);
    await t.app.eventStore.flush();
    attemptId = await count(t, 'select max(id) as n from attempts where experiment_id = ?', [
      experimentId,
    ]);
  });

  afterAll(() => t.dispose());

  beforeEach(async () => {
    firstSeq = (await storedSeqs()).at(-1) as number;
    settled = [];
    store = new EventStore(
      t.app.orm,
      t.app.logger,
      (events, committed) => settled.push({ seqs: events.map((e) => e.seq), committed }),
      NEVER_MS,
    );
    writer = new ResultWriter(
      t.app.orm,
      attemptId,
      (seq) => store.takeBefore(experimentId, seq),
      (_batch, events, committed) => store.written(events, committed),
      { maxDelayMs: NEVER_MS },
    );
  });

  afterEach(async () => {
    await writer.flush();
    await store.flush();
  });

  /** Publishes as the bus and an attempt do: the store records every event, the writer gets each sample's. */
  function publish(...types: ('ExperimentProgress' | 'SampleCompleted')[]): void {
    for (const [index, type] of types.entries()) {
      const envelope = { experimentId, attempt: 1, seq: firstSeq + index + 1, at: 'now' };
      if (type === 'SampleCompleted') {
        const { prompt: _prompt, trace: _trace, ...sample } = sampleRecord(nextSample++);
        const event: ExperimentEvent = { ...envelope, type, sample };
        store.record(event);
        writer.add({ ...sample, prompt: '[]', trace: null }, event);
      } else {
        const body = { type, done: index, total: 10, failed: 0, hitRate: 0, throughput: 1 };
        store.record({ ...envelope, ...body });
      }
    }
  }

  async function storedSeqs(): Promise<number[]> {
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: number }[]>(
        'select seq from experiment_events where experiment_id = ? order by seq',
        [experimentId],
      );
    return rows.map((row) => Number(row.seq));
  }

  const storedAfterStart = async () =>
    (await storedSeqs()).filter((seq) => seq > firstSeq).map((seq) => seq - firstSeq);

  it('should hold an event back while a SampleCompleted before it waits for its result', async () => {
    publish('ExperimentProgress', 'SampleCompleted', 'ExperimentProgress');
    await store.flush();
    expect(await storedAfterStart()).toEqual([1]);

    await writer.flush();
    expect(await storedAfterStart()).toEqual([1, 2]);
    await store.flush();
    expect(await storedAfterStart()).toEqual([1, 2, 3]);
    expect(settled).toEqual([
      { seqs: [firstSeq + 1], committed: true },
      { seqs: [firstSeq + 2], committed: true },
      { seqs: [firstSeq + 3], committed: true },
    ]);
  });

  it('should store the events before a batch of results in the same transaction', async () => {
    publish(
      'ExperimentProgress',
      'SampleCompleted',
      'ExperimentProgress',
      'SampleCompleted',
      'ExperimentProgress',
    );
    await writer.flush();
    expect(await storedAfterStart()).toEqual([1, 2, 3, 4]);
    expect(settled).toEqual([
      { seqs: [firstSeq + 1, firstSeq + 3, firstSeq + 2, firstSeq + 4], committed: true },
    ]);
    expect(store.pendingOf(experimentId).map((e) => e.seq)).toEqual([firstSeq + 5]);
  });

  it('should write an event that no SampleCompleted precedes on its own', async () => {
    publish('ExperimentProgress', 'ExperimentProgress');
    await store.flush();
    expect(await storedAfterStart()).toEqual([1, 2]);
    expect(store.pendingOf(experimentId)).toEqual([]);
  });
});

function sampleRecord(sampleIndex: number): SampleRecord {
  return {
    sampleIndex,
    exampleId: `example-${sampleIndex}`,
    question: '1 + 1',
    expectedAnswer: '2',
    prompt: '[]',
    rawOutput: '2',
    parsedAnswer: '2',
    score: { exact: true, substring: true, correct: true, f1: 1, matchedAlias: null },
    tokensInput: 3,
    tokensOutput: 1,
    latencyMs: 1,
    timings: null,
    cacheHit: false,
    cacheTier: null,
    error: null,
    retries: 0,
    trace: null,
    metadata: null,
    grades: null,
    failureMode: null,
    modelMetrics: null,
  };
}
