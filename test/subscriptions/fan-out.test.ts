import { createClient } from 'graphql-ws';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, EVENTS_SUBSCRIPTION, wsClients } from '../helpers/subscriptions.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

type Event = { __typename: string; seq: number; [field: string]: any };

const SMALL_SELECTION = `subscription ($id: ID!, $after: Int) {
  experimentEvents(experimentId: $id, after: $after) { __typename seq }
}`;

const BATCHES = `subscription ($id: ID!, $after: Int, $ms: Int) {
  experimentEventBatches(experimentId: $id, after: $after, maxDelayMs: $ms) {
    events { __typename seq ... on ExperimentStatusChanged { status } ... on StreamOverflow { message } }
  }
}`;

/** A wide selection (aliases): every event frame is several kilobytes, so a stalled reader fills its socket. */
const WIDE_SELECTION = `subscription ($id: ID!) {
  experimentEvents(experimentId: $id) {
    __typename seq
    ... on SampleCompleted { ${Array.from({ length: 300 }, (_, i) => `e${i}: exampleId`).join(' ')} }
    ... on StreamOverflow { message }
  }
}`;

const seqsOf = (events: Event[]) => events.map((e) => e.seq);
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('event fan-out over graphql-ws: execute once, send to many', () => {
  let t: TestApp;
  let url: string;
  const clients = wsClients(() => url);
  const client = () => clients.client();

  beforeAll(async () => {
    // A small byte allowance, so a stalled reader is cut off soon after the kernel's buffers fill.
    // Attempts on this thread: the healthy readers run in this test's own event loop, and with the
    // engine thread (LLMFORGE_TEST_ENGINE_THREAD=1) stored bursts of 8 KiB frames outrun them by more
    // than this allowance, so one of them would be cut off too.
    t = await createTestApp({ subscriberBufferBytes: 64 * 1024, engineThread: false });
    url = await t.app.start();
  });
  afterEach(async () => {
    await clients.disposeAll();
  });
  afterAll(() => t.dispose());

  async function created(name: string, samples: number): Promise<string> {
    const response = await t.gql(
      `mutation ($name: String!, $samples: Int) { createExperiment(input: { name: $name, config: {
        numSamples: $samples, datasetName: "arithmetic", provider: { kind: SIMULATED, latencyMs: 0 },
        optimization: { enableBatching: true, batchSize: 32 } } }) { id } }`,
      { name, samples },
    );
    return response.data!.createExperiment.id as string;
  }

  async function run(id: string): Promise<void> {
    const response = await t.gql('mutation ($id: ID!) { runExperiment(id: $id) { id } }', { id });
    expect(response.errors).toBeUndefined();
  }

  it('should execute each event once per distinct selection and send every subscriber of a selection the same payloads', async () => {
    const id = await created('shared', 300);
    const before = { ...t.app.fanOut.stats };
    const wide = Array.from({ length: 6 }, () =>
      collect<{ experimentEvents: Event }>(client(), EVENTS_SUBSCRIPTION, { id }),
    );
    const small = Array.from({ length: 3 }, () =>
      collect<{ experimentEvents: Event }>(client(), SMALL_SELECTION, { id }),
    );
    await t.app.fanOut.whenSubscribers(9);
    expect(t.app.fanOut.groupCount).toBe(2);
    expect(t.app.bus.listenerCount(id)).toBe(2);
    await run(id);
    const wideStreams = (await Promise.all(wide)).map((s) => s.map((e) => e.experimentEvents));
    const smallStreams = (await Promise.all(small)).map((s) => s.map((e) => e.experimentEvents));

    const events = wideStreams[0]!.length;
    expect(seqsOf(wideStreams[0]!)).toEqual(oneToN(events));
    expect(events).toBeGreaterThan(300);
    for (const stream of wideStreams) expect(stream).toEqual(wideStreams[0]);
    for (const stream of smallStreams) expect(stream).toEqual(smallStreams[0]);
    expect(smallStreams[0]).toEqual(
      wideStreams[0]!.map(({ __typename, seq }) => ({ __typename, seq })),
    );
    expect(Object.keys(wideStreams[0]![0]!).sort()).toEqual([
      '__typename',
      'attempt',
      'error',
      'seq',
      'status',
    ]);

    // Nine subscribers, two selections: two executions per event, none per subscriber.
    const stats = t.app.fanOut.stats;
    expect(stats.shared - before.shared).toBe(2 * events);
    expect(stats.replay - before.replay).toBe(0);
    expect(stats.own - before.own).toBe(0);
    expect(stats.frames - before.frames).toBe(9 * events);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toContain(
      `llmforge_subscription_executions_total{path="shared"} ${stats.shared}`,
    );
    await t.app.bus.whenListenersAtMost(t.app.bus.listenerCount() - t.app.bus.listenerCount(id));
    expect(t.app.fanOut.groupCount).toBe(0);
  });

  it('should give a subscriber that joins mid-run with `after` its replay, then the shared live stream, with no gap and no duplicate', async () => {
    const id = await launch(t, 'join', {
      numSamples: 200,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 5 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    const before = { ...t.app.fanOut.stats };
    let late: Promise<{ experimentEvents: Event }[]> | null = null;
    let groupsWhileBoth = -1;
    const full = await collect<{ experimentEvents: Event }>(
      client(),
      EVENTS_SUBSCRIPTION,
      { id, after: 0 },
      (item) => {
        if (item.experimentEvents.seq === 50)
          late = collect(client(), EVENTS_SUBSCRIPTION, { id, after: 50 });
        // Once the late one has replayed and caught up, both are in the one group of their selection.
        if (item.experimentEvents.seq === 150) groupsWhileBoth = t.app.fanOut.groupCount;
      },
    );
    const tail = (await late!).map((e) => e.experimentEvents);
    const all = full.map((e) => e.experimentEvents);
    expect(seqsOf(all)).toEqual(oneToN(all.length));
    expect(tail[0]!.seq).toBe(51);
    expect(tail).toEqual(all.filter((e) => e.seq > 50));
    expect(groupsWhileBoth).toBe(1);
    const stats = t.app.fanOut.stats;
    // The late one replayed the stored events itself, then took the group's frames.
    expect(stats.replay - before.replay).toBeGreaterThan(0);
    expect(stats.frames - before.frames).toBe(all.length + tail.length);
  });

  it('should deliver batches whose seqs continue from one batch to the next, to a subscriber from the start and to one joining mid-run', async () => {
    const id = await created('batches', 1000);
    const batchesOf = (
      after: number,
      onBatch?: (batch: { experimentEventBatches: { events: Event[] } }) => void,
    ) =>
      collect<{ experimentEventBatches: { events: Event[] } }>(
        client(),
        BATCHES,
        { id, after, ms: 20 },
        onBatch,
      );
    let late: { after: number; batches: ReturnType<typeof batchesOf> } | null = null;
    const first = batchesOf(0, (batch) => {
      const last = batch.experimentEventBatches.events.at(-1)!.seq;
      if (!late && last >= 200) late = { after: last - 7, batches: batchesOf(last - 7) };
    });
    await t.app.fanOut.whenSubscribers(1);
    await run(id);
    const batches = (await first).map((b) => b.experimentEventBatches.events);
    const events = batches.flat();
    expect(seqsOf(events)).toEqual(oneToN(events.length));
    expect(events.length).toBeGreaterThan(1000);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.length).toBeLessThan(events.length / 2);
    expect(events.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
    // The late one: replay from its `after`, then the group's batches (trimmed where it joined).
    const joined = late as unknown as { after: number; batches: ReturnType<typeof batchesOf> };
    const lateEvents = (await joined.batches).flatMap((b) => b.experimentEventBatches.events);
    expect(lateEvents).toEqual(events.slice(joined.after));

    // After the end: a replay in batches, from any seq.
    const replayed = (await batchesOf(500)).flatMap((b) => b.experimentEventBatches.events);
    expect(replayed).toEqual(events.slice(500));

    // Outside the range: refused before anything runs.
    const refused = await t.gql(
      `subscription ($id: ID!) { experimentEventBatches(experimentId: $id, maxDelayMs: 5) { events { seq } } }`,
      { id },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  // The batch delay is twice the test's timeout: only a batch sent at the run's end passes.
  it('should send the batch holding the end of a run at once, not a batch delay later', {
    timeout: 5000,
  }, async () => {
    const id = await created('short run, long batches', 50);
    const batches = collect<{ experimentEventBatches: { events: Event[] } }>(client(), BATCHES, {
      id,
      after: 0,
      ms: 10_000,
    });
    await t.app.fanOut.whenSubscribers(1);
    await run(id);
    const [only, ...more] = (await batches).map((b) => b.experimentEventBatches.events);
    expect(more).toEqual([]);
    expect(seqsOf(only!)).toEqual(oneToN(only!.length));
    expect(only!.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
  });

  it('should cut off a subscriber that stops reading with a StreamOverflow and deliver everything to the others', async () => {
    const id = await created('stalled', 1000);
    let stalledSocket: WebSocket | null = null;
    const stalled = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols);
          stalledSocket = this;
        }
      },
      retryAttempts: 0,
      lazy: true,
    });
    clients.track(stalled);
    const received: Event[] = [];
    let completed = false;
    const stalledDone = new Promise<void>((resolve, reject) =>
      stalled.subscribe<{ experimentEvents: Event }>(
        { query: WIDE_SELECTION, variables: { id } },
        {
          next: ({ data }) => {
            received.push(data!.experimentEvents);
            // It reads the first event, then nothing more (its socket is paused).
            if (received.length === 1) tcpOf(stalledSocket!).pause();
          },
          error: reject,
          complete: () => {
            completed = true;
            resolve();
          },
        },
      ),
    );
    const others = Array.from({ length: 3 }, () =>
      collect<{ experimentEvents: Event }>(client(), WIDE_SELECTION, { id }),
    );
    await t.app.fanOut.whenSubscribers(4);
    await run(id);
    const full = (await Promise.all(others)).map((s) => s.map((e) => e.experimentEvents));
    const total = full[0]!.length;
    expect(seqsOf(full[0]!)).toEqual(oneToN(total));
    for (const stream of full) expect(seqsOf(stream)).toEqual(oneToN(total));
    // The run ended while the stalled reader held megabytes unread: the engine did not wait for it.
    expect(completed).toBe(false);

    tcpOf(stalledSocket!).resume();
    await stalledDone;
    const overflow = received.at(-1)!;
    expect(overflow.__typename).toBe('StreamOverflow');
    expect(overflow.message).toContain(`more than ${64 * 1024} bytes`);
    const delivered = received.slice(0, -1);
    expect(seqsOf(delivered)).toEqual(oneToN(delivered.length));
    expect(overflow.seq).toBe(delivered.length);
    expect(delivered.length).toBeLessThan(total);
  });
});

/** The TCP socket under a ws client (ws keeps it private). */
function tcpOf(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket;
}
