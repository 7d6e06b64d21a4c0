import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer } from '../../scripts/standin-server.ts';
import { CircuitBreaker } from '../../server/engine/providers/circuit-breaker.ts';
import { ProviderCallError } from '../../server/engine/providers/provider-error.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

/** A port nothing listens on: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the circuit breaker', () => {
  const refused = new ProviderCallError('connect ECONNREFUSED', 'network');
  const answered = new ProviderCallError('HTTP 500', 'server', 500);

  it('should open after N consecutive connection failures, fail fast, then let one probe through after the cooldown', () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      'http://x',
      { failureThreshold: 3, cooldownMs: 1000 },
      () => now,
    );
    for (let i = 0; i < 2; i++) {
      breaker.admit();
      breaker.failure(refused, 10);
    }
    breaker.admit();
    breaker.failure(answered, 10); // the server answered: reachable, the count starts again
    for (let i = 0; i < 3; i++) {
      breaker.admit();
      breaker.failure(refused, 10);
    }
    expect(breaker.currentState).toBe('OPEN');
    expect(() => breaker.admit()).toThrow(
      /circuit breaker open for http:\/\/x: 3 consecutive connection failures/,
    );
    now = 1000;
    breaker.admit(); // the probe
    expect(breaker.currentState).toBe('HALF_OPEN');
    expect(() => breaker.admit()).toThrow(/circuit breaker open/); // one probe at a time
    breaker.failure(refused, 10);
    expect(breaker.currentState).toBe('OPEN');
    now = 2000;
    breaker.admit();
    breaker.success();
    expect(breaker.currentState).toBe('CLOSED');
    expect(breaker.snapshot()).toEqual({
      state: 'CLOSED',
      opened: 2,
      fastFailures: 2,
      timeLostMs: 60,
      lastFailure: 'connect ECONNREFUSED',
    });
  });
});

describe('runs against a dead or refusing endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  const read = async (id: string) =>
    (
      await t.gql<{
        experiment: {
          status: string;
          error: string | null;
          progress: { done: number; failed: number };
          profile: { warnings: string[] };
        };
      }>(
        'query ($id: ID!) { experiment(id: $id) { status error progress { done failed } profile { warnings } } }',
        { id },
      )
    ).data!.experiment;

  it('should end FAILED quickly with the breaker open when the endpoint refuses connections', async () => {
    const port = await deadPort();
    const id = await launch(t, 'dead', {
      numSamples: 200,
      datasetName: 'arithmetic',
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: `http://127.0.0.1:${port}/v1` },
      optimization: { enableBatching: true, batchSize: 8 },
    });
    expect(await t.waitForEnd(id)).toBe('FAILED');
    const experiment = await read(id);
    expect(experiment.error).toMatch(
      /^\d+ of 200 samples failed, more than the failureThreshold of 50 %; the provider's circuit breaker is OPEN: /,
    );
    expect(experiment.progress.failed).toBeGreaterThan(100);
    expect(experiment.profile.warnings).toHaveLength(1);
    expect(experiment.profile.warnings[0]).toMatch(
      /^circuit breaker OPEN: opened 1 time\(s\), \d+ call\(s\) failed at once without a request, \d+ ms lost to connection failures/,
    );
  });

  it('should end FAILED when more than failureThreshold of the samples fail, and COMPLETED when the threshold allows it', async () => {
    const standin = await startStandinServer({
      oracle: t.app.datasets,
      quotaExhausted: true,
      latencyMs: 0,
    });
    try {
      const config = (failureThreshold?: number) => ({
        numSamples: 20,
        datasetName: 'arithmetic',
        failureThreshold,
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
      });
      const strict = await launch(t, 'quota', config());
      expect(await t.waitForEnd(strict)).toBe('FAILED');
      expect((await read(strict)).error).toMatch(
        /^11 of 20 samples failed, more than the failureThreshold of 50 %; last error: .*quota/,
      );

      const tolerant = await launch(t, 'quota-tolerated', config(1));
      expect(await t.waitForEnd(tolerant)).toBe('COMPLETED');
      expect((await read(tolerant)).progress).toEqual({ done: 20, failed: 20 });
    } finally {
      await standin.close();
    }
  });
});
