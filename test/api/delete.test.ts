import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';
import {
  FAST,
  run,
  cancel,
  remove,
  errorCode,
  count,
  attemptCount,
  sampleRowCount,
} from '../helpers/experiments.ts';

describe('deleting experiments', () => {
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

  it('should delete an experiment with its attempts and sample rows', async () => {
    const id = await launch(t, 'delete me', {
      datasetName: 'sample',
      numSamples: 3,
      provider: FAST,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    expect((await run(t, id)).errors).toBeUndefined();
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const kept = await launch(t, 'keep me', {
      datasetName: 'sample',
      numSamples: 2,
      provider: FAST,
    });
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
    const id = await launch(t, 'delete while running', {
      datasetName: 'trivia_qa',
      numSamples: 50,
      provider: { kind: 'SIMULATED', latencyMs: 20 },
    });
    await samples.until(id, 2);
    expect(await remove(t, id)).toEqual({ data: { deleteExperiment: true } });
    expect(t.app.scheduler.runsHere(id)).toBe(false);
    expect(await count(t, 'select count(*) as n from experiments where id = ?', [id])).toBe(0);
    expect(await attemptCount(t, id)).toBe(0);
    expect(await sampleRowCount(t, id)).toBe(0);
  });

  it('should answer NOT_FOUND for a deleted or unknown id in every operation', async () => {
    const deleted = await launch(t, 'gone', {
      datasetName: 'sample',
      numSamples: 1,
      provider: FAST,
    });
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
});
