import { afterEach, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { configFromEnv } from '../../server/server-config.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function metric(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('/metrics and /healthz', () => {
  let t: TestApp | null = null;
  let standin: StandinServer | null = null;
  afterEach(async () => {
    await t?.dispose();
    await standin?.close();
    t = null;
    standin = null;
  });

  it('should count the samples and the provider calls of a finished run in Prometheus text', async () => {
    standin = await startStandinServer({ latencyMs: 0 });
    t = await createTestApp();
    const id = await launch(t, 'metered', {
      numSamples: 30,
      datasetName: 'arithmetic',
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
      optimization: { enableBatching: true, batchSize: 4, enableCaching: false },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    await t.app.scheduler.idle(); // the terminal event comes just before the attempt leaves the scheduler

    const response = await t.fetch('/metrics');
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const outcomes = ['correct', 'wrong', 'failed'].map(
      (outcome) => metric(text, `llmforge_samples_total{outcome="${outcome}"}`) ?? 0,
    );
    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(30);
    expect(metric(text, 'llmforge_provider_calls_total{result="success"}')).toBe(30);
    expect(metric(text, 'llmforge_attempts_running')).toBe(0);
    expect(metric(text, 'llmforge_events_total{type="SampleCompleted"}')).toBe(30);
  });

  it('should report the database and, without Redis, no Redis', async () => {
    t = await createTestApp();
    const response = await t.fetch('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      role: 'all',
      database: { ok: true },
      redis: null,
    });
  });

  it('should refuse an api or worker role without Redis, never falling back to one process', () => {
    expect(() => configFromEnv({ LLMFORGE_ROLE: 'api' })).toThrow(
      'LLMFORGE_ROLE=api needs LLMFORGE_REDIS_URL (the queue and pub/sub between processes)',
    );
    expect(() => configFromEnv({ LLMFORGE_ROLE: 'worker' })).toThrow(
      'LLMFORGE_ROLE=worker needs LLMFORGE_REDIS_URL (the queue and pub/sub between processes)',
    );
    expect(() => configFromEnv({ LLMFORGE_ROLE: 'both' })).toThrow(
      'LLMFORGE_ROLE must be one of all, api, worker, got "both"',
    );
  });
});
