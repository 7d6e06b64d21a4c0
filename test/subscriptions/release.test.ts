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
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription ($id: ID!) { experimentEvents(experimentId: $id, after: 0) { seq } }', variables: { id } } }));
        }
        if (message.type === 'next') resolve(socket);
      });
    });
  }

  it('should release 200 replaying subscribers cut off without a close at once, reading no more of the log for them', async () => {
    // Still running while the subscribers replay its log, so no stream ends on its own.
    const id = await launch(t, 'long-log', { numSamples: 20_000, datasetName: 'arithmetic', provider: { kind: 'SIMULATED', latencyMs: 1 }, optimization: { enableBatching: true, batchSize: 2 } });
    await new Promise<void>((resolve) => {
      const stop = t.app.bus.subscribe(id, (event) => {
        if (event.type === 'ExperimentProgress' && event.done >= 2000) {
          stop();
          resolve();
        }
      });
    });

    let logReads = 0;
    const reader = t.app.orm.em.getConnection('read');
    const execute = reader.execute.bind(reader);
    reader.execute = ((...args: Parameters<typeof execute>) => {
      if (String(typeof args[0] === 'string' ? args[0] : '').includes('experiment_events') || JSON.stringify(args[0] ?? '').includes('experiment_events')) logReads += 1;
      return execute(...args);
    }) as typeof reader.execute;

    const sockets = await Promise.all(Array.from({ length: 200 }, () => replayingSocket(id)));
    expect(t.app.bus.listenerCount(id)).toBe(200);
    const readsBefore = logReads;
    for (const socket of sockets) socket.terminate();
    await t.app.bus.whenListenersAtMost(0);
    // At most the page each subscriber had in flight; before, every replay read the whole log to its end.
    console.log(`log page reads: ${readsBefore} while 200 subscribers started; ${logReads - readsBefore} after they were cut off`);
    expect(logReads - readsBefore).toBeLessThanOrEqual(200);
    reader.execute = execute;
    await t.gql('mutation ($id: ID!) { cancelExperiment(id: $id) { id } }', { id });
    expect(await t.waitForEnd(id)).toBe('CANCELLED');
  });

  it('should run batchSize 32 without a MaxListenersExceededWarning on the run signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const id = await launch(t, 'wide', { numSamples: 600, datasetName: 'arithmetic', provider: { kind: 'SIMULATED', latencyMs: 2 }, optimization: { enableBatching: true, batchSize: 32 } });
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });
});
