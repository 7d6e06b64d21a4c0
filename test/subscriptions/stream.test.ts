import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentEventStream } from '../../server/events/event-stream.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('one subscriber stream (real bus and event store)', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    // These tests publish on this thread's bus and read its local delivery: with the engine thread
    // (LLMFORGE_TEST_ENGINE_THREAD=1) events travel only once stored, which is tested elsewhere.
    t = await createTestApp({ engineThread: false });
    const created = await t.gql(`mutation { createExperiment(input: { name: "stream" }) { id } }`);
    id = created.data!.createExperiment.id;
  });
  afterAll(() => t.dispose());

  const progress = (done: number) => ({
    type: 'ExperimentProgress' as const,
    done,
    total: 100,
    failed: 0,
    hitRate: 0,
    throughput: 0,
  });

  it('should tell a subscriber that falls behind where it stopped, and let it resume from there without a gap', async () => {
    const { bus, eventStore } = t.app;
    const before = bus.lastSeqOf(id);
    const stream = experimentEventStream(bus, eventStore, {
      experimentId: id,
      after: before,
      status: 'RUNNING',
      currentAttempt: 1,
      bufferSize: 5,
    });
    const first = stream.next(); // starts the stream: it listens, replays (nothing), then waits for live events
    bus.publish(id, 1, progress(1));
    // The first event is in hand and the subscriber asks for no more while the other 19 arrive:
    // the buffer takes five of them and the sixth overflows it.
    const received = [(await first).value];
    for (let done = 2; done <= 20; done++) bus.publish(id, 1, progress(done));
    for await (const item of stream) received.push(item);
    const delivered = received.slice(0, -1);
    expect(delivered.map((e) => [e.type, e.seq])).toEqual(
      Array.from({ length: 6 }, (_, i) => ['ExperimentProgress', before + 1 + i]),
    );
    const overflow = received.at(-1)!;
    expect(overflow).toMatchObject({ type: 'StreamOverflow', seq: before + 6 });
    expect(bus.listenerCount(id)).toBe(0);

    // Resuming with after = the overflow's seq delivers exactly the rest (pending in memory or stored).
    const rest = experimentEventStream(bus, eventStore, {
      experimentId: id,
      after: overflow.seq,
      status: 'RUNNING',
      currentAttempt: 1,
      bufferSize: 5,
    });
    const resumed: number[] = [];
    bus.publish(id, 1, { type: 'ExperimentStatusChanged', status: 'COMPLETED', error: null });
    for await (const item of rest) resumed.push(item.seq);
    expect(resumed).toEqual(Array.from({ length: 15 }, (_, i) => overflow.seq + 1 + i));
  });

  it('should take a synchronous burst of 5 000 events without throwing in the publisher, and deliver them all', async () => {
    const { bus, eventStore } = t.app;
    const before = bus.lastSeqOf(id);
    const stream = experimentEventStream(bus, eventStore, {
      experimentId: id,
      after: before,
      status: 'RUNNING',
      currentAttempt: 1,
      bufferSize: 10_000,
    });
    const first = stream.next();
    for (let done = 1; done <= 5000; done++) bus.publish(id, 1, progress(done));
    bus.publish(id, 1, { type: 'ExperimentStatusChanged', status: 'COMPLETED', error: null });
    const seqs = [(await first).value.seq];
    for await (const item of stream) seqs.push(item.seq);
    expect(seqs).toEqual(Array.from({ length: 5001 }, (_, i) => before + 1 + i));
  });

  it('should continue the sequence after a restart on the same database', async () => {
    const path = t.databasePath;
    const last = t.app.bus.lastSeqOf(id);
    await t.dispose({ keepDatabase: true });
    t = await createTestApp({ databasePath: path });
    expect(t.app.bus.lastSeqOf(id)).toBe(last);
    const event = t.app.bus.publish(id, 2, {
      type: 'ExperimentStatusChanged',
      status: 'QUEUED',
      error: null,
    });
    expect(event.seq).toBe(last + 1);
  });
});
