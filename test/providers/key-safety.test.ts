import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, newDatabasePath } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';
import { providerAt } from './provider-scenarios.ts';

const secret = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** Every byte of the database: the main file, and the WAL and shared-memory files beside it. */
function databaseBytes(databasePath: string): Buffer {
  const folder = dirname(databasePath);
  return Buffer.concat(readdirSync(folder).map((file) => readFileSync(join(folder, file))));
}

describe('API keys', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const standin = async (apiKey: string, latencyMs = 0): Promise<StandinServer> => {
    const server = await startStandinServer({ apiKey, latencyMs });
    cleanups.push(() => server.close());
    return server;
  };

  it('should appear nowhere: not in the database file, the logs, any GraphQL or REST response, or the export', async () => {
    const runKey = secret('sk-run-');
    const wrongKey = secret('sk-wrong-');
    const environmentKey = secret('env-key-');
    const server = await standin(runKey);
    const logs: string[] = [];
    const t = await createTestApp(
      {
        logLevel: 'debug',
        providerCredentials: {
          hfToken: null,
          openAiEndpoints: [{ name: 'standin', baseUrl: server.url, apiKey: environmentKey }],
        },
      },
      { logWriter: (line) => logs.push(line) },
    );
    const responses: string[] = [];
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      responses.push(text);
      return JSON.parse(text) as { data?: Record<string, any>; errors?: unknown[] };
    };
    const launchWith = async (
      name: string,
      provider: Record<string, unknown>,
      apiKey: string | null,
    ) => {
      const result = await gql(
        `mutation ($input: CreateExperimentInput!, $apiKey: String) { launchExperiment(input: $input, apiKey: $apiKey) { id status config { provider { kind baseUrl endpointUrl } } } }`,
        { input: { name, config: { datasetName: 'sample', numSamples: 4, provider } }, apiKey },
      );
      expect(result.errors).toBeUndefined();
      const id = result.data!.launchExperiment.id as string;
      await t.waitForEnd(id);
      return id;
    };

    const openAi = await launchWith(
      'openai, per-run key',
      providerAt('OPENAI_COMPATIBLE', server),
      runKey,
    );
    const huggingFace = await launchWith(
      'hf, per-run key',
      providerAt('HUGGINGFACE', server),
      runKey,
    );
    expect(server.stats.authorized).toBe(8);
    const created =
      await gql(`mutation { createExperiment(input: { name: "wrong key", config: { datasetName: "sample", numSamples: 2,
      provider: { kind: OPENAI_COMPATIBLE, baseUrl: "${server.url}" } } }) { id } }`);
    const wrong = created.data!.createExperiment.id as string;
    const rerun = await gql(
      `mutation ($id: ID!, $apiKey: String) { runExperiment(id: $id, apiKey: $apiKey) { id status } }`,
      { id: wrong, apiKey: wrongKey },
    );
    expect(rerun.errors).toBeUndefined();
    await t.waitForEnd(wrong);
    server.setOptions({ apiKey: environmentKey });
    const fromEnvironment = await launchWith(
      'openai, environment key',
      providerAt('OPENAI_COMPATIBLE', server),
      null,
    );
    expect(server.stats.authorized).toBe(12);

    const ids = [openAi, huggingFace, wrong, fromEnvironment];
    for (const id of ids) {
      const { data } = await gql(
        `query ($id: ID!) { experiment(id: $id) {
          id name status error config { provider { kind baseUrl endpointUrl hfProvider timeoutMs maxAttempts } }
          progress { done total failed } metrics { accuracyAny tokensInput }
          profile { apiCalls warnings concurrencyChanges { atMs limit reason } profilingSummary { phase count } }
          attempts { number status error profile { apiCalls } }
          samples(first: 100) { nodes { sampleIndex prompt rawOutput parsedAnswer error retries trace } }
        } }`,
        { id },
      );
      expect(data!.experiment.progress.done).toBe(data!.experiment.progress.total);
    }
    const { data: wrongData } = await gql(
      `query ($id: ID!) { experiment(id: $id) { samples { nodes { error } } } }`,
      { id: wrong },
    );
    expect(wrongData!.experiment.samples.nodes).toEqual([
      { error: 'HTTP 401 Unauthorized: Incorrect API key provided: [redacted]. (not retried)' },
      { error: 'HTTP 401 Unauthorized: Incorrect API key provided: [redacted]. (not retried)' },
    ]);
    await gql(
      `{ providers { kind configured endpoints { name baseUrl hasKey } } experiments(first: 100) { nodes { id config { provider { baseUrl } } } } }`,
    );
    const rest: string[] = [];
    for (const id of ids) {
      for (const path of [
        `/api/v1/results/${id}`,
        `/api/v1/results/${id}/profile`,
        `/api/v1/results/${id}/export?format=json`,
        `/api/v1/results/${id}/export?format=csv`,
      ]) {
        const response = await t.fetch(path);
        expect(response.status).toBe(200);
        rest.push(await response.text());
      }
    }
    await t.dispose({ keepDatabase: true });
    cleanups.push(async () => rmSync(dirname(t.databasePath), { recursive: true, force: true }));

    const database = databaseBytes(t.databasePath);
    expect(database.includes(Buffer.from('Incorrect API key provided: [redacted]'))).toBe(true);
    expect(logs.some((line) => line.includes('"attempt finished"'))).toBe(true);
    for (const key of [runKey, wrongKey, environmentKey]) {
      expect(database.includes(Buffer.from(key))).toBe(false);
      expect(logs.filter((line) => line.includes(key))).toEqual([]);
      expect(responses.filter((text) => text.includes(key))).toEqual([]);
      expect(rest.filter((text) => text.includes(key))).toEqual([]);
    }
  });

  it('should resume after a restart with the environment key for that endpoint, or fail clearly without one', async () => {
    const runKey = secret('sk-run-');
    const configured = await standin(runKey, 100);
    const unconfigured = await standin(runKey, 100);
    const databasePath = newDatabasePath();
    cleanups.push(async () => rmSync(dirname(databasePath), { recursive: true, force: true }));
    const first = await createTestApp({ databasePath });
    const samples = watchSamples(first);
    const launchWith = async (server: StandinServer) => {
      const result = await first.gql(
        `mutation ($input: CreateExperimentInput!, $apiKey: String) { launchExperiment(input: $input, apiKey: $apiKey) { id } }`,
        {
          input: {
            name: 'resumed',
            config: {
              datasetName: 'trivia_qa',
              numSamples: 12,
              provider: providerAt('OPENAI_COMPATIBLE', server),
            },
          },
          apiKey: runKey,
        },
      );
      return result.data!.launchExperiment.id as string;
    };
    const [withFallback, without] = [await launchWith(configured), await launchWith(unconfigured)];
    await Promise.all([samples.until(withFallback, 2), samples.until(without, 2)]);
    samples.stop();
    await first.dispose({ keepDatabase: true });

    const second = await createTestApp({
      databasePath,
      providerCredentials: {
        hfToken: null,
        openAiEndpoints: [{ name: 'configured', baseUrl: configured.url, apiKey: runKey }],
      },
    });
    cleanups.push(() => second.dispose({ keepDatabase: true }));
    await second.app.start();
    expect(await second.waitForEnd(withFallback)).toBe('COMPLETED');
    expect(await second.waitForEnd(without)).toBe('FAILED');
    const read = async (id: string) =>
      (
        await second.gql(
          `query ($id: ID!) { experiment(id: $id) { error progress { done total failed } } }`,
          { id },
        )
      ).data!.experiment;
    expect(await read(withFallback)).toEqual({
      error: null,
      progress: { done: 12, total: 12, failed: 0 },
    });
    const failed = await read(without);
    expect(failed.error).toBe(
      `provider OPENAI_COMPATIBLE cannot run: this attempt was started with a per-run apiKey, which is held in memory only and was lost when the server restarted, and the server environment has no key for ${unconfigured.url}; run the experiment again with apiKey`,
    );
    expect(failed.progress.failed).toBe(0);
    expect(failed.progress.done).toBeLessThan(12);
  });

  it('should refuse a per-run key for the simulated provider, or one that is not a single printable token', async () => {
    const t = await createTestApp();
    cleanups.push(() => t.dispose());
    const attempt = (config: Record<string, unknown>, apiKey: string) =>
      t.gql(
        `mutation ($input: CreateExperimentInput!, $apiKey: String) { launchExperiment(input: $input, apiKey: $apiKey) { id } }`,
        {
          input: { name: 'refused', config },
          apiKey,
        },
      );
    const simulated = await attempt({ datasetName: 'sample' }, secret('sk-'));
    expect(simulated.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'apiKey' });
    expect(simulated.errors?.[0]?.message).toBe(
      'apiKey: only applies to HUGGINGFACE and OPENAI_COMPATIBLE providers',
    );
    const spaced = await attempt(
      { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:9/v1' } },
      'two words',
    );
    expect(spaced.errors?.[0]?.message).toBe(
      'apiKey: must be 1..4096 printable characters without spaces',
    );
    const listed = await t.gql(`{ experiments { totalCount } }`);
    expect(listed.data!.experiments.totalCount).toBe(0);
  });
});
