import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type ExperimentEvent } from '../../server/events/event-bus.ts';
import { RedisEventTransport } from '../../server/events/redis-event-transport.ts';
import { createLogger } from '../../server/logger.ts';
import { deleteRedisKeys, newRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const EXPERIMENT = 'gap-experiment';
const progress = (done: number) => ({
  type: 'ExperimentProgress' as const,
  done,
  total: 9,
  failed: 0,
  hitRate: 0,
  throughput: 0,
});

/**
 * A worker killed between committing events and sending them leaves stored events no process ever
 * sent; its successor numbers on from the store. The api process's bus fills the gap from the store.
 */
describe('event gaps over Redis', () => {
  const buses: EventBus[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.stop();
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  const newBus = async (channelPrefix: string) => {
    const bus = new EventBus(new RedisEventTransport(TEST_REDIS_URL, createLogger('silent')), {
      channelPrefix,
    });
    buses.push(bus);
    await bus.start();
    return bus;
  };

  it('should hand a subscriber the stored events a dead worker never sent, in seq order, before the ones after them', async () => {
    const prefix = newRedisPrefix();
    prefixes.push(prefix);
    const stored: ExperimentEvent[] = [];
    const reads: [number, number][] = [];
    const api = await newBus(prefix);
    api.setGapReader(async (experimentId, after, before) => {
      reads.push([after, before]);
      return stored.filter(
        (e) => e.experimentId === experimentId && e.seq > after && e.seq < before,
      );
    });
    const received: number[] = [];
    const allArrived = new Promise<void>((resolve) =>
      api.subscribe(EXPERIMENT, (event) => {
        received.push(event.seq);
        if (event.seq === 7) resolve();
      }),
    );

    // The first worker stores and sends 1–2, then stores 3–4 and dies before sending them.
    const first = await newBus(prefix);
    const publishStored = (bus: EventBus, done: number, send: boolean) => {
      const event = bus.publish(EXPERIMENT, 1, progress(done));
      stored.push(event);
      if (send) bus.settled([event], true);
    };
    publishStored(first, 1, true);
    publishStored(first, 2, true);
    publishStored(first, 3, false);
    publishStored(first, 4, false);

    // Its successor numbers on from the store and sends 5–7 (6 and 7 arrive while the gap is read).
    const successor = await newBus(prefix);
    successor.continueSequence(EXPERIMENT, 4);
    for (const done of [5, 6, 7]) publishStored(successor, done, true);

    await allArrived;
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reads).toEqual([[2, 5]]);
  });
});
