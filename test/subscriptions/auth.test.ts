import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { collect, readSse, wsClient } from '../helpers/subscriptions.ts';

const TOKEN = 'test-token-1234';

describe('LLMFORGE_API_TOKEN', () => {
  let t: TestApp;
  let url: string;
  let experimentId: string;
  beforeAll(async () => {
    t = await createTestApp({ apiToken: TOKEN });
    url = await t.app.start();
    const created = await post(
      `mutation { launchExperiment(input: { name: "guarded", config: { numSamples: 2, provider: { kind: SIMULATED, latencyMs: 0 } } }) { id } }`,
      { authorization: `Bearer ${TOKEN}` },
    );
    experimentId = created.data.launchExperiment.id;
    // A finished experiment's profile stream sends the final profile and completes.
    await t.waitForEnd(experimentId);
  });
  afterAll(() => t.dispose());

  async function post(query: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
  }

  it('should keep queries open without the token', async () => {
    const result = await post('{ experiments { totalCount } }');
    expect(result).toEqual({ data: { experiments: { totalCount: 1 } } });
  });

  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
  ])('should refuse a mutation with %s, changing nothing', async (_label, headers) => {
    const result = await post(
      `mutation { createExperiment(input: { name: "intruder" }) { id } }`,
      headers,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await post('{ experiments { totalCount } }')).data.experiments.totalCount).toBe(1);
  });

  it('should refuse an SSE subscription without the token and serve it with the token', async () => {
    const subscribe = async (headers: Record<string, string>) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({
          query: 'subscription ($id: ID!) { experimentProfile(experimentId: $id) { apiCalls } }',
          variables: { id: experimentId },
        }),
      });
      const messages = [];
      for await (const message of readSse(response)) messages.push(message);
      return messages;
    };
    const refused = await subscribe({});
    expect(refused[0]!.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const served = await subscribe({ authorization: `Bearer ${TOKEN}` });
    expect(served.map((m) => m.event)).toEqual(['next', 'complete']);
    expect(served[0]!.data).toEqual({ data: { experimentProfile: { apiCalls: 2 } } });
  });

  it('should close a WebSocket whose connection_init lacks the token with 4403, and serve one that has it', async () => {
    const query = 'subscription ($id: ID!) { experimentProfile(experimentId: $id) { apiCalls } }';
    const anonymous = wsClient(url);
    await expect(collect(anonymous, query, { id: experimentId })).rejects.toMatchObject({
      code: 4403,
    });
    await anonymous.dispose();
    const member = wsClient(url, { authorization: `Bearer ${TOKEN}` });
    expect(await collect(member, query, { id: experimentId })).toEqual([
      { experimentProfile: { apiCalls: 2 } },
    ]);
    await member.dispose();
  });
});
