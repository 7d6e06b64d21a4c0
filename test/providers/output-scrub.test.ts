import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { readSse } from '../helpers/subscriptions.ts';

/** An OpenAI-compatible server that echoes the bearer key it received inside every completion. */
async function echoingServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          choices: [
            {
              message: { content: `Answer: 4 (you sent ${key}; the env key is ${key})` },
              finish_reason: 'stop',
            },
          ],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe('keys echoed by a provider inside its output', () => {
  let t: TestApp;
  let echo: Awaited<ReturnType<typeof echoingServer>>;
  let url: string;
  const runKey = `run${randomBytes(12).toString('hex')}`;
  const environmentKey = `env${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    echo = await echoingServer();
    t = await createTestApp({
      providerCredentials: {
        hfToken: null,
        openAiEndpoints: [{ name: 'echo', baseUrl: echo.url, apiKey: environmentKey }],
      },
    });
    url = await t.app.start();
  });
  afterAll(async () => {
    await t.dispose();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  it('should be scrubbed from stored outputs, queries, events and exports, for a per-run key and a configured one', async () => {
    const texts: string[] = [];
    const ids: string[] = [];
    for (const apiKey of [runKey, null]) {
      const { data, errors } = await t.gql<{ launchExperiment: { id: string } }>(
        'mutation ($input: CreateExperimentInput!, $apiKey: String) { launchExperiment(input: $input, apiKey: $apiKey) { id } }',
        {
          input: {
            name: 'echo',
            config: {
              datasetName: 'sample',
              numSamples: 3,
              provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: echo.url },
            },
          },
          apiKey,
        },
      );
      expect(errors).toBeUndefined();
      const id = data!.launchExperiment.id;
      ids.push(id);
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
      const samples = await t.gql<{ experiment: { samples: { nodes: { rawOutput: string }[] } } }>(
        'query ($id: ID!) { experiment(id: $id) { samples(first: 10) { nodes { rawOutput } } } }',
        { id },
      );
      const outputs = samples.data!.experiment.samples.nodes.map((node) => node.rawOutput);
      expect(outputs).toEqual(
        Array(3).fill('Answer: 4 (you sent [redacted]; the env key is [redacted])'),
      );
      texts.push(JSON.stringify(samples));
      texts.push(await (await t.fetch(`/api/v1/results/${id}/export?format=csv`)).text());
      texts.push(await (await t.fetch(`/api/v1/results/${id}/export?format=json`)).text());
      const replay = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          query:
            'subscription ($id: ID!) { experimentEvents(experimentId: $id, after: 0) { __typename ... on SampleCompleted { parsedAnswer } } }',
          variables: { id },
        }),
      });
      for await (const message of readSse(replay)) {
        if (message.event === 'next') expect(message.data.errors).toBeUndefined();
        texts.push(JSON.stringify(message.data));
      }
    }
    await t.app.eventStore.flush();
    const folder = dirname(t.databasePath);
    texts.push(
      Buffer.concat(readdirSync(folder).map((file) => readFileSync(join(folder, file)))).toString(
        'latin1',
      ),
    );
    const everything = texts.join('\n');
    expect(everything).toContain('[redacted]');
    expect(everything.includes(runKey)).toBe(false);
    expect(everything.includes(environmentKey)).toBe(false);
  });
});
