import { randomBytes } from 'node:crypto';
import { knex } from '@mikro-orm/knex';
import { startStandinServer } from '../standin-server.ts';
import { startCluster, type Cluster, type ClusterProcess } from '../cluster-processes.ts';
import type { BenchOptions } from './args.ts';
import { BenchClient, TERMINAL } from './client.ts';
import { fixed, formatTable } from './table.ts';

/** The cluster suite's fixed workload: 8 experiments × 500 samples at 50 ms, batches of 8, 2 attempts per worker. */
const EXPERIMENTS = 8;
const SAMPLES = 500;
const LATENCY_MS = 50;
const BATCH = 8;
const ATTEMPTS_PER_WORKER = 2;
const LEASE_MS = 5000;

export interface ClusterRow {
  name: string;
  workers: number;
  experiments: number;
  samplesEach: number;
  wallMs: number;
  idealMs: number;
  /** Wall time of the one-worker run ÷ this one's. */
  speedUp: number | null;
  failed: number;
  /** Samples with no stored result after the run. */
  lost: number;
  /** Stored results beyond one per sample. */
  duplicated: number;
  /** kill -9 → another worker running the killed worker's attempt again (the slowest of them). */
  resumeMs: number | null;
}

export async function runClusterSuite(options: BenchOptions): Promise<ClusterRow[]> {
  const server = options.clusterDatabaseServer;
  const redisUrl = options.clusterRedisUrl;
  const rows: ClusterRow[] = [];
  for (const workers of [1, 2, 3]) {
    rows.push(
      await measure(`${workers} worker${workers > 1 ? 's' : ''}`, workers, server, redisUrl, {
        kill: false,
      }),
    );
    process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  }
  rows.push(await measure('2 workers, one killed -9 halfway', 2, server, redisUrl, { kill: true }));
  process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  rows.push(await sharedEndpoint(server, redisUrl));
  process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
  const single = rows[0]!.wallMs;
  for (const row of rows.slice(0, 4)) row.speedUp = single / row.wallMs;
  return rows;
}

export function clusterTable(rows: ClusterRow[]): string {
  return formatTable(rows, [
    { title: 'run', value: (row) => row.name, align: 'left' },
    { title: 'workers', value: (row) => String(row.workers) },
    { title: 'experiments × samples', value: (row) => `${row.experiments} × ${row.samplesEach}` },
    { title: 'wall s', value: (row) => fixed(row.wallMs / 1000, 2) },
    { title: 'ideal s', value: (row) => fixed(row.idealMs / 1000, 2) },
    { title: 'wall/ideal', value: (row) => fixed(row.wallMs / row.idealMs, 2) },
    {
      title: 'speed-up',
      value: (row) => (row.speedUp === null ? '–' : `${row.speedUp.toFixed(2)}×`),
    },
    { title: 'failed', value: (row) => String(row.failed) },
    { title: 'lost', value: (row) => String(row.lost) },
    { title: 'duplicated', value: (row) => String(row.duplicated) },
    {
      title: 'resume s',
      value: (row) => (row.resumeMs === null ? '–' : fixed(row.resumeMs / 1000, 2)),
    },
  ]);
}

async function measure(
  name: string,
  workers: number,
  server: string,
  redisUrl: string,
  { kill }: { kill: boolean },
): Promise<ClusterRow> {
  return withCluster(workers, server, redisUrl, async (cluster, client, databaseUrl) => {
    const provider = { kind: 'SIMULATED', latencyMs: LATENCY_MS, jitterMs: 0 };
    const started = performance.now();
    const ids = await launchAll(client, EXPERIMENTS, SAMPLES, BATCH, provider);
    let resumeMs: number | null = null;
    if (kill) resumeMs = await killOneHalfway(cluster, client, ids, EXPERIMENTS * SAMPLES);
    const failed = await waitForAll(client, ids);
    const wallMs = performance.now() - started;
    const rounds = Math.ceil(EXPERIMENTS / (workers * ATTEMPTS_PER_WORKER));
    const idealMs = rounds * Math.ceil(SAMPLES / BATCH) * LATENCY_MS;
    return {
      name,
      workers,
      experiments: EXPERIMENTS,
      samplesEach: SAMPLES,
      wallMs,
      idealMs,
      speedUp: null,
      failed,
      ...(await storedCounts(databaseUrl, EXPERIMENTS * SAMPLES)),
      resumeMs,
    };
  });
}

/** Two workers, one experiment each, against one endpoint that takes at most 4 requests in flight. */
export async function sharedEndpoint(server: string, redisUrl: string): Promise<ClusterRow> {
  const samples = 1000;
  const latencyMs = 20;
  const standin = await startStandinServer({ latencyMs, maxInFlight: 4 });
  try {
    return await withCluster(
      2,
      server,
      redisUrl,
      async (_cluster, client, databaseUrl) => {
        const started = performance.now();
        const ids = await launchAll(
          client,
          2,
          samples,
          32,
          { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
          1,
        );
        const failed = await waitForAll(client, ids);
        const wallMs = performance.now() - started;
        return {
          name: 'shared endpoint capped at 4 in flight, batch 32',
          workers: 2,
          experiments: 2,
          samplesEach: samples,
          wallMs,
          idealMs: ((2 * samples) / 4) * latencyMs,
          speedUp: null,
          failed,
          ...(await storedCounts(databaseUrl, 2 * samples)),
          resumeMs: null,
        };
      },
      1,
    );
  } finally {
    await standin.close();
  }
}

async function withCluster<T>(
  workers: number,
  server: string,
  redisUrl: string,
  work: (cluster: Cluster, client: BenchClient, databaseUrl: string) => Promise<T>,
  attemptsPerWorker = ATTEMPTS_PER_WORKER,
): Promise<T> {
  const databaseUrl = `${server}/llmforge_bench_${randomBytes(4).toString('hex')}`;
  const cluster = await startCluster(workers, {
    databaseUrl,
    redisUrl,
    attemptsPerWorker,
    leaseMs: LEASE_MS,
    logLevel: 'info',
  });
  const client = new BenchClient(cluster.url, null);
  try {
    return await work(cluster, client, databaseUrl);
  } finally {
    await client.close();
    await cluster.stop();
    await dropDatabase(databaseUrl);
  }
}

async function launchAll(
  client: BenchClient,
  count: number,
  samples: number,
  batchSize: number,
  provider: Record<string, unknown>,
  seedBase = 0,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { launchExperiment } = await client.request<{ launchExperiment: { id: string } }>(
      'mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }',
      {
        input: {
          name: `cluster-${i + 1}`,
          config: {
            datasetName: 'arithmetic',
            numSamples: samples,
            hyperparameters: { temperature: 0, maxTokens: 256, seed: 42 + seedBase + i },
            provider,
            optimization: {
              enableBatching: true,
              batchSize,
              enableCaching: false,
              enableProfiling: true,
            },
          },
        },
      },
    );
    ids.push(launchExperiment.id);
  }
  return ids;
}

/** Resolves once every experiment has ended; with the number of failed samples. Throws unless all completed. */
async function waitForAll(client: BenchClient, ids: string[]): Promise<number> {
  for (;;) {
    const states = await Promise.all(ids.map((id) => experimentState(client, id)));
    if (states.every((state) => TERMINAL.has(state.status))) {
      const notCompleted = states.filter((state) => state.status !== 'COMPLETED');
      if (notCompleted.length > 0)
        throw new Error(`experiments ended ${notCompleted.map((s) => s.status).join(', ')}`);
      return states.reduce((sum, state) => sum + state.progress.failed, 0);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function experimentState(client: BenchClient, id: string) {
  const { experiment } = await client.request<{
    experiment: { status: string; progress: { done: number; failed: number } };
  }>('query ($id: ID!) { experiment(id: $id) { status progress { done failed } } }', { id });
  return experiment;
}

/**
 * Kills (SIGKILL) a worker that runs attempts once half the samples are stored, and resolves with the
 * time until every attempt it ran is running again on another worker.
 */
async function killOneHalfway(
  cluster: Cluster,
  client: BenchClient,
  ids: string[],
  totalSamples: number,
): Promise<number> {
  const runningOn = new Map<ClusterProcess, Set<string>>();
  for (const worker of cluster.workers) {
    const mine = new Set<string>();
    runningOn.set(worker, mine);
    worker.watch(
      (line) => line.message === 'running attempt',
      (line) => mine.add(String(line.experimentId)),
    );
    worker.watch(
      (line) => line.message === 'attempt finished',
      (line) => mine.delete(String(line.experimentId)),
    );
  }
  for (;;) {
    const states = await Promise.all(ids.map((id) => experimentState(client, id)));
    if (states.reduce((sum, state) => sum + state.progress.done, 0) >= totalSamples / 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const victim = cluster.workers.find((worker) => (runningOn.get(worker)?.size ?? 0) > 0);
  if (!victim) throw new Error('no worker was running an attempt halfway');
  const orphans = [...runningOn.get(victim)!];
  const survivors = cluster.workers.filter((worker) => worker !== victim);
  const resumed = orphans.map(
    (experimentId) =>
      new Promise<number>((resolve) => {
        for (const survivor of survivors) {
          const stop = survivor.watch(
            (line) => line.message === 'running attempt' && line.experimentId === experimentId,
            () => {
              stop();
              resolve(performance.now());
            },
          );
        }
      }),
  );
  const killedAt = performance.now();
  victim.kill('SIGKILL');
  process.stderr.write(`killed ${victim.name} running ${orphans.length} attempt(s)\n`);
  return Math.max(...(await Promise.all(resumed))) - killedAt;
}

async function storedCounts(
  databaseUrl: string,
  expected: number,
): Promise<{ lost: number; duplicated: number }> {
  const db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    const { rows } = (await db.raw(
      'select count(*) as stored, count(distinct (attempt_id, sample_index)) as distinct_samples from sample_results',
    )) as { rows: { stored: string; distinct_samples: string }[] };
    const stored = Number(rows[0]!.stored);
    const distinct = Number(rows[0]!.distinct_samples);
    return { lost: expected - distinct, duplicated: stored - distinct };
  } finally {
    await db.destroy();
  }
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.destroy();
  }
}
