import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandinServer,
  type StandinOptions,
  type StandinServer,
} from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

export type RemoteKind = 'OPENAI_COMPATIBLE' | 'HUGGINGFACE';

const MODEL = 'meta-llama/Llama-3.2-1B-Instruct';

interface SampleRow {
  sampleIndex: number;
  parsedAnswer: string | null;
  error: string | null;
  retries: number;
}

/** The provider input that points `kind` at the stand-in server. */
export function providerAt(
  kind: RemoteKind,
  standin: StandinServer,
  extra: Record<string, unknown> = {},
) {
  return kind === 'OPENAI_COMPATIBLE'
    ? { kind, baseUrl: standin.url, ...extra }
    : { kind, endpointUrl: standin.origin, ...extra };
}

/** Provider failure scenarios (keys, retries, quotas, timeouts), run through the whole app (GraphQL, engine, SQLite) against the stand-in. */
export function describeProviderScenarios(kind: RemoteKind): void {
  describe(`${kind} against the stand-in server`, () => {
    let t: TestApp;
    let standin: StandinServer | null = null;

    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(() => t.dispose());
    afterEach(async () => {
      await standin?.close();
      standin = null;
    });

    const start = async (options: Partial<StandinOptions>) =>
      (standin = await startStandinServer({ oracle: t.app.datasets, ...options }));

    const read = async (id: string) => {
      const { data, errors } = await t.gql(
        `query ($id: ID!) { experiment(id: $id) {
          status error progress { done total failed }
          metrics { accuracyExact accuracyAny tokensInput tokensOutput }
          profile { totalWallTimeMs profilingSummary { phase count totalMs } concurrencyChanges { atMs limit reason } }
          samples(first: 1000) { nodes { sampleIndex parsedAnswer error retries } }
        } }`,
        { id },
      );
      expect(errors).toBeUndefined();
      return data!.experiment as {
        status: string;
        error: string | null;
        progress: { done: number; total: number; failed: number };
        metrics: {
          accuracyExact: number;
          accuracyAny: number;
          tokensInput: number;
          tokensOutput: number;
        };
        profile: {
          totalWallTimeMs: number;
          profilingSummary: { phase: string; count: number; totalMs: number }[];
          concurrencyChanges: { atMs: number; limit: number; reason: string }[];
        };
        samples: { nodes: SampleRow[] };
      };
    };

    const run = async (name: string, config: Record<string, unknown>) => {
      const id = await launch(t, name, config);
      await t.waitForEnd(id);
      return { id, experiment: await read(id) };
    };

    it('should answer like the simulator it stands in for, one request per sample', async () => {
      const server = await start({ latencyMs: 5, models: [MODEL] });
      const shared = {
        modelName: MODEL,
        datasetName: 'trivia_qa',
        numSamples: 20,
        optimization: { enableBatching: true, batchSize: 4 },
      };
      const remote = await run('remote', { ...shared, provider: providerAt(kind, server) });
      const simulated = await run('simulated', {
        ...shared,
        provider: { kind: 'SIMULATED', latencyMs: 0 },
      });

      expect(remote.experiment.status).toBe('COMPLETED');
      expect(remote.experiment.progress).toEqual({ done: 20, total: 20, failed: 0 });
      expect([server.stats.requests, server.stats.ok]).toEqual([20, 20]);
      expect(remote.experiment.samples.nodes.map((s) => s.parsedAnswer)).toEqual(
        simulated.experiment.samples.nodes.map((s) => s.parsedAnswer),
      );
      expect(remote.experiment.metrics).toEqual(simulated.experiment.metrics);
      expect(remote.experiment.metrics.accuracyAny).toBeGreaterThan(0);
      const apiCall = remote.experiment.profile.profilingSummary.find(
        (p) => p.phase === 'api_call',
      );
      expect(apiCall?.count).toBe(20);
      expect(remote.experiment.profile.concurrencyChanges).toEqual([]);
    });

    it('should complete every sample when 10 % of requests get 429 and 5 % get 503, counting each retry', async () => {
      const server = await start({
        latencyMs: 2,
        rateLimitRate: 0.1,
        serverErrorRate: 0.05,
        retryAfterMs: 5,
        seed: 5,
      });
      const { experiment } = await run('flaky', {
        modelName: MODEL,
        datasetName: 'trivia_qa',
        numSamples: 80,
        optimization: { enableBatching: true, batchSize: 8 },
        provider: providerAt(kind, server),
      });

      expect(experiment.status).toBe('COMPLETED');
      expect(experiment.progress).toEqual({ done: 80, total: 80, failed: 0 });
      expect(server.stats.rateLimited).toBeGreaterThan(0);
      expect(server.stats.serverErrors).toBeGreaterThan(0);
      const retries = experiment.samples.nodes.reduce((sum, s) => sum + s.retries, 0);
      expect(retries).toBe(server.stats.rateLimited + server.stats.serverErrors);
      expect(server.stats.ok).toBe(80);
      const wait = experiment.profile.profilingSummary.find((p) => p.phase === 'rate_limit_wait');
      expect(wait?.count).toBeGreaterThan(0);
      expect(experiment.profile.concurrencyChanges[0]?.reason).toBe('rate_limited');
      expect(
        Math.max(...experiment.profile.concurrencyChanges.map((c) => c.limit)),
      ).toBeLessThanOrEqual(8);
    });

    it('should fail each sample at once with a clear error when the model does not exist', async () => {
      const server = await start({ models: [MODEL] });
      const { experiment } = await run('unknown model', {
        modelName: 'no-such/model',
        datasetName: 'sample',
        numSamples: 5,
        // Every sample is run to show its own error; the default threshold would end the run at the third.
        failureThreshold: 1,
        provider: providerAt(kind, server),
      });

      expect(experiment.status).toBe('COMPLETED');
      expect(experiment.progress).toEqual({ done: 5, total: 5, failed: 5 });
      expect(server.stats.requests).toBe(5);
      expect(new Set(experiment.samples.nodes.map((s) => s.error))).toEqual(
        new Set(['HTTP 404 Not Found: The model `no-such/model` does not exist. (not retried)']),
      );
      expect(experiment.samples.nodes.map((s) => s.retries)).toEqual([0, 0, 0, 0, 0]);
    });

    it('should fail fast when the quota is exhausted, one request per sample', async () => {
      const server = await start({ quotaExhausted: true });
      const { experiment } = await run('no quota', {
        datasetName: 'sample',
        numSamples: 3,
        failureThreshold: 1,
        provider: providerAt(kind, server),
      });

      expect(experiment.progress).toEqual({ done: 3, total: 3, failed: 3 });
      expect(server.stats.requests).toBe(3);
      expect(experiment.samples.nodes[0]?.error).toBe(
        'HTTP 429 Too Many Requests: You exceeded your current quota, please check your plan and billing details. [quota exhausted] (not retried)',
      );
    });

    it('should adapt to a cap of 4 in flight at batchSize 32: no failure, settles at the cap, few 429s after the first second', async () => {
      // Long calls keep this shared 2-core machine's 5-20 ms of HTTP overhead per call from dominating.
      const latencyMs = 200;
      const samples = 60;
      const server = await start({ latencyMs, maxInFlight: 4, retryAfterMs: latencyMs });
      const { experiment } = await run('capped', {
        modelName: MODEL,
        datasetName: 'arithmetic',
        numSamples: samples,
        optimization: { enableBatching: true, batchSize: 32 },
        provider: providerAt(kind, server),
      });

      expect([experiment.status, experiment.error]).toEqual(['COMPLETED', null]);
      expect(experiment.progress).toEqual({ done: samples, total: samples, failed: 0 });
      // Wall time against the ideal is a benchmark figure (scripts/resilience-run.ts), not asserted here.
      const late = server.stats.log.filter((entry) => entry.atMs >= 1_000);
      const late429 = late.filter((entry) => entry.status === 429).length;
      expect(late.length).toBeGreaterThan(0);
      expect(late429 / late.length).toBeLessThan(0.1);
      expect(server.stats.peakInFlight).toBe(4);
      const limits = experiment.profile.concurrencyChanges.map((c) => c.limit);
      expect(Math.max(...limits)).toBeLessThanOrEqual(32);
      expect([4, 5]).toContain(limits.at(-1));
    });

    it('should retry a timed-out call, then fail the sample cleanly', async () => {
      const server = await start({ latencyMs: 30_000 });
      const { experiment } = await run('timeouts', {
        datasetName: 'sample',
        numSamples: 2,
        failureThreshold: 1,
        optimization: { enableBatching: true, batchSize: 2 },
        provider: providerAt(kind, server, { timeoutMs: 100, maxAttempts: 2 }),
      });

      expect(experiment.status).toBe('COMPLETED');
      expect(experiment.progress).toEqual({ done: 2, total: 2, failed: 2 });
      expect(experiment.samples.nodes.map((s) => [s.error, s.retries])).toEqual([
        ['timed out after 100 ms (gave up after 2 attempts)', 1],
        ['timed out after 100 ms (gave up after 2 attempts)', 1],
      ]);
      await server.until((s) => s.inFlight === 0);
      expect([server.stats.requests, server.stats.aborted, server.stats.ok]).toEqual([4, 4, 0]);
    });

    /** Launches 12 samples, 4 at a time, against `server`. */
    const launchFourWide = (name: string, server: StandinServer) =>
      launch(t, name, {
        datasetName: 'trivia_qa',
        numSamples: 12,
        optimization: { enableBatching: true, batchSize: 4 },
        provider: providerAt(kind, server),
      });
    const cancel = async (id: string) =>
      (
        await t.gql(
          `mutation ($id: ID!) { cancelExperiment(id: $id) { status progress { done } } }`,
          { id },
        )
      ).data?.cancelExperiment;

    it('should abort calls in flight on cancel, after which no request arrives', async () => {
      const server = await start({ latencyMs: 30_000 });
      const id = await launchFourWide('cancel in flight', server);
      await server.until((s) => s.inFlight === 4);
      expect(await cancel(id)).toEqual({ status: 'CANCELLED', progress: { done: 0 } });
      await server.until((s) => s.inFlight === 0);
      expect([server.stats.requests, server.stats.aborted, server.stats.ok]).toEqual([4, 4, 0]);
    });

    it('should stop waiting out a long Retry-After on cancel, sending nothing more', async () => {
      const server = await start({ rateLimitRate: 1, retryAfterMs: 50_000 });
      const id = await launchFourWide('cancel in backoff', server);
      await server.until((s) => s.rateLimited >= 4);
      expect(await cancel(id)).toEqual({ status: 'CANCELLED', progress: { done: 0 } });
      // Samples waiting out a Retry-After hand their window slots on, so more of the 12 may have been
      // sent before the cancel (how many depends on timing); none is retried within the 50 s Retry-After,
      // so each is sent at most once. Once the run is CANCELLED nothing is in flight.
      expect(server.stats.inFlight).toBe(0);
      expect(server.stats.rateLimited).toBe(server.stats.requests);
      expect(server.stats.requests).toBeLessThanOrEqual(12);
    });
  });
}
