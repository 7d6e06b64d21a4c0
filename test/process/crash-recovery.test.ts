import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/orm.ts';
import { newDatabasePath, removeDatabase } from '../helpers/database.ts';
import { ServerProcess } from './server-process.ts';

const SAMPLES = 500;
const running: ServerProcess[] = [];

function startServer(databasePath: string): ServerProcess {
  const server = new ServerProcess({ LLMFORGE_DB: databasePath });
  running.push(server);
  return server;
}

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.kill('SIGKILL');
    await server.exited;
  }
});

async function storedResults(databasePath: string) {
  const orm = await openDatabase(databasePath);
  try {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ attempts: unknown; rows: unknown; distinct_samples: unknown }[]>(
        `select (select count(*) from attempts) as attempts, count(*) as rows, count(distinct sample_index) as distinct_samples
         from sample_results`,
      );
    // PostgreSQL counts are bigint, returned as strings.
    return rows.map((row) => ({
      attempts: Number(row.attempts),
      rows: Number(row.rows),
      distinct_samples: Number(row.distinct_samples),
    }));
  } finally {
    await orm.close(true);
  }
}

describe('crash recovery with a real server process', () => {
  it('should finish with exactly one result per sample after SIGKILL mid-run and a restart', async () => {
    const databasePath = newDatabasePath();
    try {
      const first = startServer(databasePath);
      const launched = await first.gql<{ launchExperiment: { id: string } }>(
        `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }`,
        {
          input: {
            name: 'crash-me',
            config: {
              numSamples: SAMPLES,
              datasetName: 'arithmetic',
              provider: { kind: 'SIMULATED', latencyMs: 20 },
              optimization: { enableBatching: true, batchSize: 4 },
            },
          },
        },
      );
      const id = launched.data!.launchExperiment.id;
      await first.waitForEvent(
        'attempt.progress',
        (progress) => progress.experimentId === id && progress.done >= 150,
      );
      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const before = (await storedResults(databasePath))[0]!;
      expect(before.rows).toBeGreaterThan(0);
      expect(before.rows).toBeLessThan(SAMPLES);

      const second = startServer(databasePath);
      const finished = await second.waitForEvent(
        'attempt.finished',
        (attempt) => attempt.experimentId === id,
      );
      expect(finished.status).toBe('COMPLETED');

      const { data } = await second.gql(
        `query ($id: ID!) { experiment(id: $id) { status currentAttempt progress { done total failed } metrics { samples } } }`,
        { id },
      );
      expect(data.experiment).toEqual({
        status: 'COMPLETED',
        currentAttempt: 1,
        progress: { done: SAMPLES, total: SAMPLES, failed: 0 },
        metrics: { samples: SAMPLES },
      });
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      expect(await storedResults(databasePath)).toEqual([
        { attempts: 1, rows: SAMPLES, distinct_samples: SAMPLES },
      ]);
    } finally {
      await removeDatabase(databasePath);
    }
  });

  it('should store every finished sample on SIGTERM, exit 0, and resume the attempt on the next start', async () => {
    const databasePath = newDatabasePath();
    try {
      const first = startServer(databasePath);
      const launched = await first.gql<{ launchExperiment: { id: string } }>(
        `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }`,
        {
          input: {
            name: 'stop-me',
            config: {
              numSamples: 200,
              datasetName: 'arithmetic',
              provider: { kind: 'SIMULATED', latencyMs: 20 },
            },
          },
        },
      );
      const id = launched.data!.launchExperiment.id;
      await first.waitForEvent(
        'attempt.progress',
        (progress) => progress.experimentId === id && progress.done >= 20,
      );
      first.kill('SIGTERM');
      const interrupted = await first.waitForEvent(
        'attempt.interrupted',
        (attempt) => attempt.experimentId === id,
      );
      expect((await first.exited).code).toBe(0);
      // Every sample the engine finished before stopping is in the database.
      expect((await storedResults(databasePath))[0]).toMatchObject({
        rows: interrupted.done,
        distinct_samples: interrupted.done,
      });

      const second = startServer(databasePath);
      const finished = await second.waitForEvent(
        'attempt.finished',
        (attempt) => attempt.experimentId === id,
      );
      expect(finished).toMatchObject({ status: 'COMPLETED', done: 200, total: 200 });
      expect(await storedResults(databasePath)).toEqual([
        { attempts: 1, rows: 200, distinct_samples: 200 },
      ]);
    } finally {
      await removeDatabase(databasePath);
    }
  });
});
