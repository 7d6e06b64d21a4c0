/**
 * Measures what 200 WebSocket subscribers replaying a long event log cost the server after they are
 * cut off without a close (terminated sockets): time until every subscriber is released, and the
 * CPU the process spends from the cut-off until it is idle again.
 *
 *   tsx scripts/subscriber-cutoff.ts [--subscribers 200] [--samples 5000]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createTestApp, launch } from '../test/helpers/test-app.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '200' },
    samples: { type: 'string', default: '5000' },
  },
});
const t = await createTestApp();
const url = await t.app.start();
const id = await launch(t, 'long-log', {
  numSamples: Number(values.samples),
  datasetName: 'arithmetic',
  provider: { kind: 'SIMULATED', latencyMs: 0 },
  optimization: { enableBatching: true, batchSize: 8 },
});
await t.waitForEnd(id);
await t.app.eventStore.flush();

const subscribe = () =>
  new Promise<WebSocket>((resolve) => {
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
const sockets = await Promise.all(Array.from({ length: Number(values.subscribers) }, subscribe));
const cpuAtCut = process.cpuUsage();
const cutAt = performance.now();
for (const socket of sockets) socket.terminate();
await t.app.bus.whenListenersAtMost(0);
const releasedMs = performance.now() - cutAt;
// Idle again: wait until a 100 ms window passes with under 5 ms of CPU.
for (;;) {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const used = process.cpuUsage(before);
  if ((used.user + used.system) / 1000 < 5) break;
}
const cpu = process.cpuUsage(cpuAtCut);
console.log(
  JSON.stringify({
    subscribers: sockets.length,
    logEvents: t.app.bus.lastSeqOf(id),
    releasedMs: Math.round(releasedMs),
    busyMs: Math.round(performance.now() - cutAt - 100),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }),
);
await t.dispose();
