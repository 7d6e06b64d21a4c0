import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadEventTransport } from '../../server/events/thread-event-transport.ts';

describe('the event transport between threads', () => {
  const open: ThreadEventTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((transport) => transport.close()));
  });
  const pair = () => {
    const name = `test-${randomUUID()}`;
    const ends = [new ThreadEventTransport(name), new ThreadEventTransport(name)] as const;
    open.push(...ends);
    return ends;
  };

  it('should deliver a burst published on two channels to the other end complete and in publishing order, and to its own listeners at once', async () => {
    const [sender, receiver] = pair();
    const heard: [string, unknown][] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    for (const channel of ['events', 'changes'])
      await receiver.listen(channel, (message) => {
        heard.push([channel, message]);
        if (heard.length === 1000) done();
      });
    const local: unknown[] = [];
    await sender.listen('events', (message) => local.push(message));

    const sent: [string, unknown][] = Array.from({ length: 1000 }, (_, i) => [
      i % 7 === 0 ? 'changes' : 'events',
      { seq: i },
    ]);
    for (const [channel, message] of sent) sender.publish(channel, message);
    expect(local).toHaveLength(sent.filter(([channel]) => channel === 'events').length);
    await all;

    expect(heard).toEqual(sent);
  });

  it('should post what was published before close, and drop what comes after without throwing', async () => {
    const [sender, receiver] = pair();
    const heard = new Promise((resolve) => receiver.listen('events', resolve));
    sender.publish('events', 'before close');
    await sender.close();
    sender.publish('events', 'after close');
    // The outbox is posted in a microtask, which has run by now: a throw there would be an uncaught error.
    await Promise.resolve();
    expect(await heard).toBe('before close');
  });
});
