import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { EVENTS_SUBSCRIPTION, readSse, type SseMessage } from '../helpers/subscriptions.ts';

describe('experimentEvents over SSE', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await createTestApp();
    url = await t.app.start();
  });
  afterAll(() => t.dispose());

  async function subscribe(
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query: EVENTS_SUBSCRIPTION, variables }),
    });
    const messages: SseMessage[] = [];
    for await (const message of readSse(response)) messages.push(message);
    return { response, messages };
  }

  it('should stream 200 SampleCompleted events, progress and the final status in seq order, then complete', async () => {
    const id = await launch(t, 'sse-200', {
      numSamples: 200,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 1 },
      optimization: { enableBatching: true, batchSize: 8, enableCaching: true },
    });
    const { response, messages } = await subscribe({ id, after: 0 });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(messages.at(-1)!.event).toBe('complete');
    const events = messages
      .filter((m) => m.event === 'next')
      .map((m) => m.data.data.experimentEvents);
    expect(events.map((e) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 1));
    const samples = events.filter((e) => e.__typename === 'SampleCompleted');
    expect(samples).toHaveLength(200);
    expect(
      samples.every(
        (s) =>
          s.cacheHit === false && s.timings.some((p: { phase: string }) => p.phase === 'api_call'),
      ),
    ).toBe(true);
    expect(events.filter((e) => e.__typename === 'ExperimentProgress').at(-1)).toMatchObject({
      done: 200,
      total: 200,
    });
    expect(events.at(-1)).toMatchObject({
      __typename: 'ExperimentStatusChanged',
      status: 'COMPLETED',
    });
  });

  it('should replay only events after `after` for a finished experiment and complete at once', async () => {
    const id = await launch(t, 'sse-replay', {
      numSamples: 10,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    await t.waitForEnd(id);
    const all = (await subscribe({ id, after: 0 })).messages.filter((m) => m.event === 'next');
    const tail = (await subscribe({ id, after: 5 })).messages.filter((m) => m.event === 'next');
    expect(tail.map((m) => m.data.data.experimentEvents.seq)).toEqual(
      all.slice(5).map((m) => m.data.data.experimentEvents.seq),
    );
    expect((await subscribe({ id, after: all.length })).messages.map((m) => m.event)).toEqual([
      'complete',
    ]);
  });

  it('should stream experimentEventBatches over SSE with the seq contiguous across batches', async () => {
    const id = await launch(t, 'sse-batches', {
      numSamples: 300,
      datasetName: 'arithmetic',
      provider: { kind: 'SIMULATED', latencyMs: 0 },
      optimization: { enableBatching: true, batchSize: 32 },
    });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: `subscription ($id: ID!) { experimentEventBatches(experimentId: $id, after: 0, maxDelayMs: 20) {
          events { __typename seq ... on ExperimentStatusChanged { status } } } }`,
        variables: { id },
      }),
    });
    const messages: SseMessage[] = [];
    for await (const message of readSse(response)) messages.push(message);
    expect(messages.at(-1)!.event).toBe('complete');
    const batches = messages
      .filter((m) => m.event === 'next')
      .map((m) => m.data.data.experimentEventBatches.events as { seq: number; status?: string }[]);
    const events = batches.flat();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.length).toBeGreaterThan(300);
    expect(batches.length).toBeLessThan(events.length);
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED' });
  });
});
