import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/orm.ts';
import { newDatabasePath, removeDatabase, TEST_DIALECT } from '../helpers/database.ts';
import { deleteRedisKeys, newRedisPrefix, TEST_REDIS_URL } from '../helpers/redis.ts';
import { EVENTS_SUBSCRIPTION, readSse } from '../helpers/subscriptions.ts';
import { ServerProcess } from '../process/server-process.ts';

const SAMPLES = 600;
const LEASE_MS = 2000;

/** Several processes on one database: PostgreSQL (SQLite is one machine's file). */
describe.skipIf(TEST_DIALECT !== 'postgresql')(
  'a cluster of one API and two worker processes',
  () => {
    const processes: ServerProcess[] = [];
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const server of processes.splice(0)) {
        server.kill('SIGKILL');
        await server.exited;
      }
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    function start(
      role: 'api' | 'worker',
      databasePath: string,
      redisPrefix: string,
    ): ServerProcess {
      const server = new ServerProcess({
        LLMFORGE_ROLE: role,
        LLMFORGE_DB: databasePath,
        LLMFORGE_REDIS_URL: TEST_REDIS_URL,
        LLMFORGE_REDIS_PREFIX: redisPrefix,
        LLMFORGE_LEASE_MS: String(LEASE_MS),
        LLMFORGE_MAX_CONCURRENT_RUNS: '2',
      });
      processes.push(server);
      return server;
    }

    it('should finish an experiment whose worker is killed mid-run: one result per sample, seq contiguous across the failover', async () => {
      const databasePath = newDatabasePath();
      cleanups.push(() => removeDatabase(databasePath));
      const redisPrefix = newRedisPrefix();
      cleanups.push(() => deleteRedisKeys(redisPrefix));
      const api = start('api', databasePath, redisPrefix);
      await api.url; // migrations done before the workers open the database
      const workers = [
        start('worker', databasePath, redisPrefix),
        start('worker', databasePath, redisPrefix),
      ];
      await Promise.all(workers.map((worker) => worker.url));

      const launched = await api.gql<{ launchExperiment: { id: string } }>(
        `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }`,
        {
          input: {
            name: 'failover',
            config: {
              numSamples: SAMPLES,
              datasetName: 'arithmetic',
              provider: { kind: 'SIMULATED', latencyMs: 40 },
              optimization: { enableBatching: true, batchSize: 4, enableCaching: false },
            },
          },
        },
      );
      const id = launched.data!.launchExperiment.id;
      const response = await fetch(`${await api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: EVENTS_SUBSCRIPTION, variables: { id, after: 0 } }),
      });

      const running = await Promise.race(
        workers.map((worker) =>
          worker.waitFor((line) => line.message === 'running attempt').then(() => worker),
        ),
      );
      const survivor = workers.find((worker) => worker !== running)!;
      const events: { seq: number; __typename: string; status?: string }[] = [];
      let killedAt = 0;
      let resumedAfterMs = 0;
      for await (const message of readSse(response)) {
        if (message.event !== 'next') continue;
        const event = message.data.data.experimentEvents;
        events.push(event);
        if (!killedAt && events.filter((e) => e.__typename === 'SampleCompleted').length === 100) {
          running.kill('SIGKILL');
          killedAt = performance.now();
        } else if (
          killedAt &&
          !resumedAfterMs &&
          event.__typename === 'ExperimentStatusChanged' &&
          event.status === 'RUNNING'
        ) {
          resumedAfterMs = performance.now() - killedAt;
        }
      }
      await survivor.waitFor((line) => line.message === 'running attempt');

      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)).toMatchObject({
        __typename: 'ExperimentStatusChanged',
        status: 'COMPLETED',
      });
      expect(resumedAfterMs).toBeGreaterThan(0);
      // A killed worker loses its lease after LEASE_MS; the stalled check runs every half of it.
      expect(resumedAfterMs).toBeLessThan(LEASE_MS * 2 + 1000);
      const orm = await openDatabase(databasePath);
      try {
        const [row] = await orm.em
          .fork()
          .getConnection()
          .execute<{ rows: unknown; distinct_samples: unknown }[]>(
            'select count(*) as rows, count(distinct sample_index) as distinct_samples from sample_results',
          );
        expect({ rows: Number(row!.rows), distinct: Number(row!.distinct_samples) }).toEqual({
          rows: SAMPLES,
          distinct: SAMPLES,
        });
      } finally {
        await orm.close(true);
      }
      console.log(
        `failover: resumed ${Math.round(resumedAfterMs)} ms after kill -9; ${events.length} events, seq 1..${events.at(-1)!.seq}`,
      );
    });

    it("should hand a SIGTERMed worker's attempt to the other at once, and stop it within a second on cancelExperiment sent to the API", async () => {
      const databasePath = newDatabasePath();
      cleanups.push(() => removeDatabase(databasePath));
      const redisPrefix = newRedisPrefix();
      cleanups.push(() => deleteRedisKeys(redisPrefix));
      const api = start('api', databasePath, redisPrefix);
      await api.url;
      const workers = [
        start('worker', databasePath, redisPrefix),
        start('worker', databasePath, redisPrefix),
      ];
      await Promise.all(workers.map((worker) => worker.url));
      const launched = await api.gql<{ launchExperiment: { id: string } }>(
        `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }`,
        {
          input: {
            name: 'handover',
            config: {
              numSamples: 2000,
              datasetName: 'arithmetic',
              provider: { kind: 'SIMULATED', latencyMs: 50 },
              optimization: { enableBatching: true, batchSize: 2, enableCaching: false },
            },
          },
        },
      );
      const id = launched.data!.launchExperiment.id;
      const first = await Promise.race(
        workers.map((worker) =>
          worker.waitFor((line) => line.message === 'running attempt').then(() => worker),
        ),
      );
      const second = workers.find((worker) => worker !== first)!;

      const stoppedAt = performance.now();
      first.kill('SIGTERM');
      await second.waitFor((line) => line.message === 'running attempt');
      const handedOverMs = performance.now() - stoppedAt;
      expect(await first.exited).toEqual({ code: 0, signal: null });
      // Well under the lease: the job went back to the queue at shutdown, not when the lease ran out.
      expect(handedOverMs).toBeLessThan(LEASE_MS);

      const cancelledAt = performance.now();
      const cancelled = await api.gql<{ cancelExperiment: { status: string } }>(
        `mutation ($id: ID!) { cancelExperiment(id: $id) { status } }`,
        { id },
      );
      const cancelMs = performance.now() - cancelledAt;
      expect(cancelled).toEqual({ data: { cancelExperiment: { status: 'CANCELLED' } } });
      expect(cancelMs).toBeLessThan(1000);
      console.log(
        `handover after SIGTERM: ${Math.round(handedOverMs)} ms; cancel from the API process answered CANCELLED in ${Math.round(cancelMs)} ms`,
      );
    });
  },
);
