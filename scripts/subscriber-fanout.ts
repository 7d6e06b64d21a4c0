/**
 * What live subscribers cost the engine: its own samples/s on a 2 000-sample run at latency 0 with
 * 0, 1, 50 and 100 graphql-ws subscribers of the same selection, each on its own connection and
 * following every event from seq 1. The server runs in a child process (as `npm start` runs it); a
 * first run without subscribers warms it up and is not reported.
 *
 *   npx tsx scripts/subscriber-fanout.ts [--root DIR] [--counts 0,1,50,100] [--samples 2000] [--batched MS]
 *
 * `--root` runs the server of another checkout (to compare with a branch); `--batched` follows with
 * experimentEventBatches(maxDelayMs: MS) instead of experimentEvents.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { BenchClient, TERMINAL } from './bench/client.ts';
import { startChild } from './bench/servers.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: fileURLToPath(new URL('../', import.meta.url)) },
    counts: { type: 'string', default: '0,1,50,100' },
    samples: { type: 'string', default: '2000' },
    batched: { type: 'string' },
  },
});
const root = resolve(values.root as string);
const counts = String(values.counts).split(',').map(Number);
const samples = Number(values.samples);
const batchedMs = values.batched === undefined ? null : Number(values.batched);

const FOLLOW = `subscription Follow($id: ID!, $after: Int) {
  experimentEvents(experimentId: $id, after: $after) {
    __typename seq
    ... on ExperimentProgress { done total }
    ... on ExperimentStatusChanged { status error }
  }
}`;
const FOLLOW_BATCHED = `subscription Follow($id: ID!, $after: Int, $ms: Int) {
  experimentEventBatches(experimentId: $id, after: $after, maxDelayMs: $ms) { events {
    __typename seq
    ... on ExperimentProgress { done total }
    ... on ExperimentStatusChanged { status error }
  } }
}`;

interface Event {
  __typename: string;
  seq: number;
  status?: string;
}

/**
 * One subscriber on its own connection. `ready` resolves once its event subscription is live on the
 * server (told by the first push of experimentProfile on the same connection, which is sent after
 * it); `seqs` with the seqs it received once its stream completes.
 */
function follow(url: string, id: string): { ready: Promise<void>; seqs: Promise<number[]> } {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
  });
  const seqs: number[] = [];
  const all = new Promise<number[]>((done, fail) => {
    client.subscribe<{ experimentEvents?: Event; experimentEventBatches?: { events: Event[] } }>(
      {
        query: batchedMs === null ? FOLLOW : FOLLOW_BATCHED,
        variables: { id, after: 0, ms: batchedMs },
      },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return fail(new Error(JSON.stringify(errors)));
          const events = data?.experimentEventBatches?.events ?? [data?.experimentEvents as Event];
          for (const event of events) seqs.push(event.seq);
        },
        error: (error) => fail(error instanceof Error ? error : new Error(String(error))),
        complete: () => done(seqs),
      },
    );
  }).finally(() => client.dispose());
  const ready = new Promise<void>((done, fail) => {
    const stop = client.subscribe(
      {
        query: 'subscription ($id: ID!) { experimentProfile(experimentId: $id) { apiCalls } }',
        variables: { id },
      },
      {
        next: () => {
          stop();
          done();
        },
        error: fail,
        complete: () => done(),
      },
    );
  });
  return { ready, seqs: all };
}

const server = await startChild({ serverDir: root });
const client = new BenchClient(server.url, null);
try {
  console.log(
    `server ${root}, ${samples} samples at latency 0, batchSize 32, ${batchedMs === null ? 'experimentEvents' : `experimentEventBatches(maxDelayMs: ${batchedMs})`}`,
  );
  // The first run of a fresh server pays for its warm-up (JIT, database pages); it is not reported.
  for (const [index, subscribers] of [0, ...counts].entries()) {
    const created = await client.request<{ createExperiment: { id: string } }>(
      `mutation ($config: ExperimentConfigInput) { createExperiment(input: { name: "fan-out", config: $config }) { id } }`,
      {
        config: {
          numSamples: samples,
          datasetName: 'arithmetic',
          provider: { kind: 'SIMULATED', latencyMs: 0 },
          optimization: { enableBatching: true, batchSize: 32, enableCaching: false },
        },
      },
    );
    const id = created.createExperiment.id;
    const followers = Array.from({ length: subscribers }, () => follow(server.url, id));
    await Promise.all(followers.map((f) => f.ready));
    await client.request('mutation ($id: ID!) { runExperiment(id: $id) { id } }', { id });
    const received = await Promise.all(followers.map((f) => f.seqs));
    let status = '';
    while (!TERMINAL.has(status)) {
      const { experiment } = await client.request<{ experiment: { status: string } }>(
        'query ($id: ID!) { experiment(id: $id) { status } }',
        { id },
      );
      status = experiment.status;
      if (!TERMINAL.has(status)) await new Promise((done) => setTimeout(done, 25));
    }
    const { experiment } = await client.request<{
      experiment: {
        metrics: { throughput: number } | null;
        profile: { totalWallTimeMs: number } | null;
      };
    }>(
      'query ($id: ID!) { experiment(id: $id) { metrics { throughput } profile { totalWallTimeMs } } }',
      {
        id,
      },
    );
    const complete = received.every(
      (seqs) => seqs.length > samples && seqs.every((seq, i) => seq === i + 1),
    );
    if (index === 0) continue;
    console.log(
      `${String(subscribers).padStart(4)} subscribers: ${experiment.metrics?.throughput.toFixed(0)} samples/s (attempt wall ${experiment.profile?.totalWallTimeMs.toFixed(0)} ms)` +
        `${subscribers > 0 ? `; every subscriber got seq 1..${received[0]?.length} in order: ${complete}` : ''}`,
    );
  }
} finally {
  await client.close();
  await server.stop();
}
