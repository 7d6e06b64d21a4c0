import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Experiment } from '../../server/db/entities/experiment.entity.ts';
import { IllegalTransitionError } from '../../server/experiments/lifecycle.ts';
import { create, FAST } from '../helpers/experiments.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('the lifecycle, the one owner of status changes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  it('should refuse a transition the table does not allow, before any row changes or any event is published', async () => {
    const id = await create(t, 'pending', { numSamples: 1, provider: FAST });
    const em = t.app.orm.em.fork();
    const experiment = await em.findOneOrFail(Experiment, id);
    const seqBefore = t.app.bus.lastSeqOf(id);
    await expect(t.app.lifecycle.cancelQueued(em, experiment, null)).rejects.toThrow(
      new IllegalTransitionError('experiment', 'PENDING', 'CANCELLED'),
    );
    expect(t.app.bus.lastSeqOf(id)).toBe(seqBefore);
    const stored = await t.app.orm.em.fork().findOneOrFail(Experiment, id);
    expect(stored.status).toBe('PENDING');
  });
  // Each change and its experimentsChanged notice, in order: see the experimentsChanged test in
  // test/subscriptions/websocket.test.ts, which watches them over a real socket.
});
