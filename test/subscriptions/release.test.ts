import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

describe('releasing subscribers and listeners', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp();
    url = await t.app.start();
  });
  afterAll(() => t.dispose());

  /** A raw graphql-ws client replaying the experiment from 0; resolves at its first event. */
  function replayingSocket(id: string): Promise<WebSocket> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_ack') {
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: {
                query:
                  'subscription ($id: ID!) { experimentEvents(experimentId: $id, after: 0) { seq } }',
                variables: { id },
              },
            }),
          );
        }
        if (message.type === 'next') resolve(socket);
      });
    });
  }

  it('should release 200 replaying subscribers cut off without a close at once, without waiting for their log reads in flight', async () => {
    const id = await launch(t, 'long-log', {
      numSamples: 3000,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 0 },
      optimization: { enableBatching: true, batchSize: 8 },
    });
    await t.waitForEnd(id);
    await t.app.eventStore.flush();

    // Every page of the log after the first is held back, as on a database busy with 200 replays (it
    // took seconds): a release that waits for the read in flight never comes. The experiment has
    // ended, so no live event can release a listener either.
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let heldReads = 0;
    const reader = t.app.orm.em.getConnection('read');
    const execute = reader.execute.bind(reader);
    reader.execute = (async (...args: Parameters<typeof execute>) => {
      const [query, params] = args;
      const sql =
        typeof query === 'string' ? query : (query as { toSQL(): { sql: string } }).toSQL().sql;
      const bindings =
        typeof query === 'string'
          ? (params ?? [])
          : ((query as unknown as { toSQL(): { bindings: unknown[] } }).toSQL().bindings ?? []);
      if (sql.includes('experiment_events') && typeof bindings[1] === 'number' && bindings[1] > 0) {
        heldReads += 1;
        await gate;
      }
      return execute(...args);
    }) as typeof reader.execute;

    // The app's own listeners (the metrics counter listens to every experiment) stay.
    const baseline = t.app.bus.listenerCount();
    try {
      const sockets = await Promise.all(Array.from({ length: 200 }, () => replayingSocket(id)));
      // Over WebSocket the 200 subscribers of one selection share one listener (and one execution per event).
      expect(t.app.bus.listenerCount(id)).toBe(1);
      expect(t.app.fanOut.groupCount).toBe(1);
      for (const socket of sockets) socket.terminate();
      await t.app.bus.whenListenersAtMost(baseline);
      expect(t.app.fanOut.groupCount).toBe(0);
      console.log(`200 subscribers released with ${heldReads} log reads still held`);
      expect(heldReads).toBeGreaterThan(0);
    } finally {
      openGate();
      reader.execute = execute;
    }
  });

  it('should run batchSize 32 without a MaxListenersExceededWarning on the run signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const id = await launch(t, 'wide', {
        numSamples: 600,
        datasetName: 'arithmetic',
        provider: { kind: 'SIMULATED', latencyMs: 2 },
        optimization: { enableBatching: true, batchSize: 32 },
      });
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual(
      [],
    );
  });
});
