/**
 * Runs one experiment through the whole app (GraphQL, engine, SQLite in a temp folder) against the
 * stand-in server and reports how the retry layer and the adaptive window coped: wall time against
 * the ideal for the server's cap, failures, 429s after the first second, window changes.
 *
 *   tsx scripts/resilience-run.ts --provider openai --samples 2000 --latency-ms 50 --max-in-flight 4 --batch-size 32
 *   tsx scripts/resilience-run.ts --provider hf --samples 1000 --rate-limit-rate 0.1 --server-error-rate 0.05
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../server/app.ts';
import { startStandinServer } from './standin-server.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'openai' },
    samples: { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '50' },
    'jitter-ms': { type: 'string', default: '0' },
    'max-in-flight': { type: 'string' },
    'batch-size': { type: 'string', default: '32' },
    'rate-limit-rate': { type: 'string', default: '0' },
    'server-error-rate': { type: 'string', default: '0' },
    'retry-after-ms': { type: 'string' },
  },
});
const samples = Number(values.samples);
const latencyMs = Number(values['latency-ms']);
const batchSize = Number(values['batch-size']);
const cap =
  values['max-in-flight'] === undefined
    ? Number.POSITIVE_INFINITY
    : Number(values['max-in-flight']);

const folder = mkdtempSync(join(tmpdir(), 'llmforge-resilience-'));
const app = await buildApp({
  port: 0,
  host: '127.0.0.1',
  databasePath: join(folder, 'run.sqlite'),
  logLevel: 'silent',
  maxConcurrentRuns: 1,
  progressIntervalMs: 100,
  apiToken: null,
  subscriberBufferSize: 10_000,
  profileIntervalMs: 250,
});
const standin = await startStandinServer({
  oracle: app.datasets,
  latencyMs,
  jitterMs: Number(values['jitter-ms']),
  maxInFlight: cap,
  rateLimitRate: Number(values['rate-limit-rate']),
  serverErrorRate: Number(values['server-error-rate']),
  retryAfterMs:
    values['retry-after-ms'] === undefined ? latencyMs : Number(values['retry-after-ms']),
});

try {
  const provider =
    values.provider === 'hf'
      ? { kind: 'HUGGINGFACE', endpointUrl: standin.origin }
      : { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url };
  const launched = await gql(
    `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }`,
    {
      input: {
        name: 'resilience',
        config: {
          datasetName: 'arithmetic',
          numSamples: samples,
          provider,
          optimization: { enableBatching: true, batchSize },
        },
      },
    },
  );
  const id = launched.launchExperiment.id as string;
  await app.scheduler.idle();
  const { experiment } = await gql(
    `query ($id: ID!) { experiment(id: $id) { status progress { done failed }
      profile { totalWallTimeMs batchStats { meanConcurrency peakConcurrency } profilingSummary { phase totalMs meanMs p50Ms p95Ms } concurrencyChanges { atMs limit reason } } } }`,
    { id },
  );
  const late = standin.stats.log.filter((entry) => entry.atMs >= 1_000);
  const idealMs = (samples * latencyMs) / Math.min(cap, batchSize);
  const changes = experiment.profile.concurrencyChanges as {
    atMs: number;
    limit: number;
    reason: string;
  }[];
  const { log: _log, ...counters } = standin.stats;
  console.log(
    JSON.stringify(
      {
        provider: provider.kind,
        samples,
        latencyMs,
        batchSize,
        maxInFlight: cap,
        status: experiment.status,
        failed: experiment.progress.failed,
        wallMs: experiment.profile.totalWallTimeMs,
        idealMs,
        wallOverIdeal: Math.round((experiment.profile.totalWallTimeMs / idealMs) * 1000) / 1000,
        meanConcurrency: experiment.profile.batchStats.meanConcurrency,
        share429AfterFirstSecond:
          Math.round(
            (late.filter((e) => e.status === 429).length / Math.max(1, late.length)) * 10_000,
          ) / 10_000,
        phases: experiment.profile.profilingSummary,
        server: counters,
        windowChanges: changes.length,
        firstChanges: changes.slice(0, 8),
        lastChanges: changes.slice(-4),
      },
      null,
      2,
    ),
  );
} finally {
  await standin.close();
  await app.stop();
  rmSync(folder, { recursive: true, force: true });
}

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await app.yoga.fetch('http://local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: a one-off script reads whatever shape each query returns
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return body.data as Record<string, any>;
}
