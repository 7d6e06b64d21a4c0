import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { collect, EVENTS_SUBSCRIPTION, wsClient, wsClients } from '../helpers/subscriptions.ts';
import { deferred } from '../helpers/deferred.ts';

type Event = { __typename: string; seq: number; [field: string]: any };

describe('experimentEvents over graphql-ws', () => {
  let t: TestApp;
  let url: string;
  const clients = wsClients(() => url);
  const client = () => clients.client();

  beforeAll(async () => {
    t = await createTestApp();
    url = await t.app.start();
  });
  afterEach(async () => {
    await clients.disposeAll();
  });
  afterAll(() => t.dispose());

  it('should stream 200 SampleCompleted events, progress and the final status, in seq order', async () => {
    const id = await launch(t, 'ws-200', {
      numSamples: 200,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 1 },
      optimization: { enableBatching: true, batchSize: 8, enableCaching: true },
    });
    const events = await collect<{ experimentEvents: Event }>(client(), EVENTS_SUBSCRIPTION, {
      id,
      after: 0,
    });
    const stream = events.map((e) => e.experimentEvents);

    expect(stream.map((e) => e.seq)).toEqual(stream.map((_, i) => i + 1));
    const samples = stream.filter((e) => e.__typename === 'SampleCompleted');
    expect(samples).toHaveLength(200);
    expect(new Set(samples.map((s) => s.sampleIndex)).size).toBe(200);
    for (const sample of samples) {
      expect(sample.cacheHit).toBe(false);
      expect(sample.timings.map((p: { phase: string }) => p.phase).sort()).toEqual([
        'api_call',
        'cache_lookup',
        'metrics',
        'parsing',
        'prompt_build',
      ]);
      expect(sample.error).toBeNull();
    }
    const progress = stream.filter((e) => e.__typename === 'ExperimentProgress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 200, total: 200, failed: 0 });
    const statuses = stream
      .filter((e) => e.__typename === 'ExperimentStatusChanged')
      .map((e) => e.status);
    expect(statuses).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);
    expect(stream.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
  });

  it('should deliver every event after `after` exactly once to a subscriber that joins mid-run', async () => {
    const id = await launch(t, 'ws-resume', {
      numSamples: 200,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 5 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    let late: Promise<{ experimentEvents: Event }[]> | null = null;
    const full = await collect<{ experimentEvents: Event }>(
      client(),
      EVENTS_SUBSCRIPTION,
      { id, after: 0 },
      (item) => {
        if (item.experimentEvents.seq === 50)
          late = collect(client(), EVENTS_SUBSCRIPTION, { id, after: 50 });
      },
    );
    const tail = (await late!).map((e) => e.experimentEvents);
    expect(tail[0]!.seq).toBe(51);
    expect(tail).toEqual(full.map((e) => e.experimentEvents).filter((e) => e.seq > 50));
  });

  it('should let 50 concurrent subscribers of a 1000-sample run at zero latency each receive every event', async () => {
    const created = await t.gql(`mutation { createExperiment(input: { name: "fan-out", config: {
      numSamples: 1000, datasetName: "arithmetic", provider: { kind: SIMULATED, latencyMs: 0 },
      optimization: { enableBatching: true, batchSize: 32 } } }) { id } }`);
    const id = created.data!.createExperiment.id as string;
    const subscribers = Array.from({ length: 50 }, () => client());
    // Subscribe with after: 0 so a subscriber that connects late still gets the first events.
    const streams = subscribers.map((c) =>
      collect<{ experimentEvents: Event }>(c, EVENTS_SUBSCRIPTION, { id, after: 0 }),
    );
    expect(
      (await t.gql(`mutation ($id: ID!) { runExperiment(id: $id) { status } }`, { id })).errors,
    ).toBeUndefined();
    const received = (await Promise.all(streams)).map((events) =>
      events.map((e) => e.experimentEvents.seq),
    );
    const expected = received[0]!;
    expect(expected).toEqual(expected.map((_, i) => i + 1));
    expect(expected.length).toBeGreaterThan(1000);
    for (const seqs of received) expect(seqs).toEqual(expected);
    // Every one of them is stored too (a zero-latency run writes them in large batches).
    await t.app.eventStore.flush();
    const stored = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(
        'select count(*) as n from experiment_events where experiment_id = ?',
        [id],
      );
    expect(Number(stored[0]!.n)).toBe(expected.length);
  });

  it('should release every listener when clients unsubscribe or disconnect', async () => {
    const created = await t.gql(
      `mutation { createExperiment(input: { name: "idle", config: { numSamples: 5 } }) { id } }`,
    );
    const id = created.data!.createExperiment.id as string;
    const baseline = t.app.bus.listenerCount();
    for (let cycle = 0; cycle < 30; cycle++) {
      const c = wsClient(url);
      // experimentProfile answers at once, so the subscription is known to be live on the server.
      const profiles = c.iterate({
        query: `subscription ($id: ID!) { experimentProfile(experimentId: $id) { totalWallTimeMs } }`,
        variables: { id },
      });
      const events = c.iterate({ query: EVENTS_SUBSCRIPTION, variables: { id } });
      const pendingEvent = events.next();
      expect((await profiles.next()).value?.data).toEqual({
        experimentProfile: { totalWallTimeMs: 0 },
      });
      if (cycle % 2 === 0) {
        await profiles.return?.(undefined);
        await events.return?.(undefined);
        void pendingEvent;
      }
      await c.dispose();
    }
    await t.app.bus.whenListenersAtMost(baseline);
    expect(t.app.bus.listenerCount()).toBe(baseline);
    expect(t.app.bus.listenerCount(id)).toBe(0);
  });

  it('should push the live profile while it changes and end with the final stored profile', async () => {
    const id = await launch(t, 'profile', {
      numSamples: 120,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 5 },
      optimization: { enableBatching: true, batchSize: 2 },
    });
    const profiles = await collect<{
      experimentProfile: {
        apiCalls: number;
        totalWallTimeMs: number;
        batchStats: { batchesProcessed: number };
      };
    }>(
      client(),
      `subscription ($id: ID!) { experimentProfile(experimentId: $id) { apiCalls totalWallTimeMs batchStats { batchesProcessed } } }`,
      { id },
    );
    const calls = profiles.map((p) => p.experimentProfile.apiCalls);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect([...calls].sort((a, b) => a - b)).toEqual(calls);
    const stored = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { profile { apiCalls totalWallTimeMs batchStats { batchesProcessed } } } }`,
      { id },
    );
    expect(profiles.at(-1)!.experimentProfile).toEqual(stored.data!.experiment.profile);
    expect(profiles.at(-1)!.experimentProfile).toMatchObject({
      apiCalls: 120,
      batchStats: { batchesProcessed: 60 },
    });
  });

  it('should announce created experiments, status changes and deletions on experimentsChanged', async () => {
    const c = client();
    const changes: { change: string; status: string | null; experimentId: string }[] = [];
    let id = '';
    // Rejected by anything unexpected, so the test fails at once instead of waiting for a DELETED that never comes.
    const finished = deferred();
    const stop = c.subscribe<{
      experimentsChanged: { change: string; status: string | null; experimentId: string };
    }>(
      { query: 'subscription { experimentsChanged { experimentId change status } }' },
      {
        next: (result) => {
          const change = result.data?.experimentsChanged;
          if (!change)
            return finished.reject(new Error(`unexpected result ${JSON.stringify(result)}`));
          changes.push(change);
          if (change.change === 'DELETED' && change.experimentId === id) finished.resolve();
        },
        error: (error) => finished.reject(error),
        complete: () =>
          finished.reject(new Error('experimentsChanged completed before the deletion')),
      },
    );
    // The subscription is live once the server answers anything on the same socket after it.
    await new Promise<void>((resolve) => {
      const s = c.subscribe(
        { query: '{ datasets { name } }' },
        { next: () => undefined, error: () => resolve(), complete: () => resolve() },
      );
      void s;
    });
    id = await launch(t, 'announced', {
      numSamples: 3,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    await t.waitForEnd(id);
    await t.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) }`, { id });
    await finished.promise;
    stop();
    expect(changes.filter((c) => c.experimentId === id).map((c) => [c.change, c.status])).toEqual([
      ['CREATED', 'PENDING'],
      ['STATUS_CHANGED', 'QUEUED'],
      ['STATUS_CHANGED', 'RUNNING'],
      ['STATUS_CHANGED', 'COMPLETED'],
      ['DELETED', null],
    ]);
  });

  it('should stream each REACT agent step as it finishes, matching the stored traces', async () => {
    const id = await launch(t, 'agent-steps', {
      reasoningMethod: 'REACT',
      datasetName: 'react_bench',
      numSamples: 5,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    const stream = (
      await collect<{ experimentEvents: Event }>(client(), EVENTS_SUBSCRIPTION, { id, after: 0 })
    ).map((e) => e.experimentEvents);
    const steps = stream.filter((e) => e.__typename === 'AgentStepCompleted');
    const stored = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { samples { nodes { sampleIndex trace } } } }`,
      { id },
    );
    const expected = stored.data!.experiment.samples.nodes.flatMap(
      (s: {
        sampleIndex: number;
        trace: { steps: { iteration: number; action: string | null }[] };
      }) => s.trace.steps.map((step) => [s.sampleIndex, step.iteration, step.action]),
    );
    expect(steps.map((e) => [e.sampleIndex, e.iteration, e.action]).sort()).toEqual(
      expected.sort(),
    );
    expect(steps.length).toBeGreaterThan(5);
    // Within a sample, steps arrive in order and before that sample's SampleCompleted.
    for (const index of new Set(steps.map((e) => e.sampleIndex))) {
      const seqs = stream.filter((e) => e.sampleIndex === index);
      expect(seqs.at(-1)!.__typename).toBe('SampleCompleted');
      const iterations = seqs
        .filter((e) => e.__typename === 'AgentStepCompleted')
        .map((e) => e.iteration);
      expect(iterations).toEqual(iterations.map((_, i) => i + 1));
    }
  });

  it('should refuse an unknown experiment with NOT_FOUND', async () => {
    await expect(collect(client(), EVENTS_SUBSCRIPTION, { id: 'nope', after: 0 })).rejects.toThrow(
      /NOT_FOUND/,
    );
  });
});
