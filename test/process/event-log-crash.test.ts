import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStandinServer } from '../../scripts/standin-server.ts';
import { openDatabase } from '../../server/db/orm.ts';
import { newDatabasePath } from '../helpers/test-app.ts';
import { readSse } from '../helpers/subscriptions.ts';
import { ServerProcess, type LogLine } from './server-process.ts';

const running: ServerProcess[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.kill('SIGKILL');
    await server.exited;
  }
});

function startServer(databasePath: string): ServerProcess {
  const server = new ServerProcess({
    LLMFORGE_DB: databasePath,
    LLMFORGE_PROGRESS_INTERVAL_MS: '20',
  });
  running.push(server);
  return server;
}

const finishedLine = (id: string, attempt: number) => (line: LogLine) =>
  line.message === 'attempt finished' && line.experimentId === id && line.attempt === attempt;

/**
 * SIGKILLs the server once `done` results of the attempt are stored (or lets it be, if the attempt
 * finishes first); returns whether it finished.
 */
async function killAt(
  server: ServerProcess,
  id: string,
  attempt: number,
  done: number,
): Promise<boolean> {
  const progressed = server.waitFor(
    (line) =>
      line.message === 'progress' &&
      line.experimentId === id &&
      line.attempt === attempt &&
      Number(line.done) >= done,
  );
  const finished = server.waitFor(finishedLine(id, attempt));
  const outcome = await Promise.race([progressed.then(() => false), finished.then(() => true)]);
  server.kill('SIGKILL');
  await server.exited;
  return outcome;
}

/**
 * Replays the whole event log over SSE (after: 0), counts SampleCompleted events per
 * "attempt:sampleIndex", and checks that the seqs run 1, 2, 3… with no hole: each server numbered on
 * from the highest stored seq, so an event lost below it would be missing from every stream.
 */
async function replayedSamples(server: ServerProcess, id: string): Promise<Map<string, number>> {
  const response = await fetch(`${await server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({
      query:
        'subscription ($id: ID!) { experimentEvents(experimentId: $id, after: 0) { __typename seq attempt ... on SampleCompleted { sampleIndex } } }',
      variables: { id },
    }),
  });
  const counts = new Map<string, number>();
  const seqs: number[] = [];
  for await (const message of readSse(response)) {
    if (message.event !== 'next') continue;
    const event = message.data.data.experimentEvents as {
      __typename: string;
      seq: number;
      attempt: number;
      sampleIndex?: number;
    };
    seqs.push(event.seq);
    if (event.__typename !== 'SampleCompleted') continue;
    const key = `${event.attempt}:${event.sampleIndex}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  return counts;
}

/** Stored results as "attempt:sampleIndex" keys. */
async function storedResults(databasePath: string): Promise<string[]> {
  const orm = await openDatabase(databasePath);
  try {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ attempt: number; sample_index: number }[]>(
        'select a.number as attempt, r.sample_index from sample_results r join attempts a on a.id = r.attempt_id order by 1, 2',
      );
    return rows.map((row) => `${row.attempt}:${row.sample_index}`);
  } finally {
    await orm.close(true);
  }
}

/** The invariant: exactly one SampleCompleted per stored result, and none for a result that is not stored. */
function expectOneEventPerStoredResult(replayed: Map<string, number>, stored: string[]): void {
  const duplicated = [...replayed].filter(([, count]) => count !== 1).map(([key]) => key);
  const storedSet = new Set(stored);
  const withoutResult = [...replayed.keys()].filter((key) => !storedSet.has(key));
  const withoutEvent = stored.filter((key) => !replayed.has(key));
  expect({ duplicated, withoutResult, withoutEvent }).toEqual({
    duplicated: [],
    withoutResult: [],
    withoutEvent: [],
  });
}

async function gql<T = any>(
  server: ServerProcess,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const result = await server.gql<T>(query, variables);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data as T;
}

describe('the event log after kill -9 is as exact as the results', () => {
  it('should replay exactly one SampleCompleted per stored result after kills during a cached re-run', async () => {
    const databasePath = newDatabasePath();
    const SAMPLES = 2000;
    try {
      const first = startServer(databasePath);
      const { launchExperiment } = await gql(
        first,
        'mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }',
        {
          input: {
            name: 'cached-rerun',
            config: {
              numSamples: SAMPLES,
              datasetName: 'arithmetic',
              provider: { kind: 'SIMULATED', latencyMs: 1 },
              optimization: { enableBatching: true, batchSize: 32, enableCaching: true },
            },
          },
        },
      );
      const id = launchExperiment.id as string;
      await first.waitFor(finishedLine(id, 1));
      await gql(first, 'mutation ($id: ID!) { runExperiment(id: $id) { id } }', { id });
      const kills = [await killAt(first, id, 2, 400)];

      const second = startServer(databasePath);
      kills.push(await killAt(second, id, 2, 1200));

      const third = startServer(databasePath);
      if (!kills.at(-1)) await third.waitFor(finishedLine(id, 2));
      const replayed = await replayedSamples(third, id);
      third.kill('SIGTERM');
      await third.exited;

      const stored = await storedResults(databasePath);
      expect(stored).toHaveLength(2 * SAMPLES);
      expectOneEventPerStoredResult(replayed, stored);
      console.log(
        `cached re-run: kills before the end: ${kills.filter((done) => !done).length}; ${replayed.size} SampleCompleted for ${stored.length} results`,
      );
    } finally {
      rmSync(join(databasePath, '..'), { recursive: true, force: true });
    }
  });

  it('should replay exactly one SampleCompleted per stored result after kills during an OpenAI-compatible run', async () => {
    const databasePath = newDatabasePath();
    const SAMPLES = 600;
    const standin = await startStandinServer({ latencyMs: 10 });
    try {
      const first = startServer(databasePath);
      const { launchExperiment } = await gql(
        first,
        'mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id } }',
        {
          input: {
            name: 'openai-crash',
            config: {
              numSamples: SAMPLES,
              datasetName: 'arithmetic',
              provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
              optimization: { enableBatching: true, batchSize: 8 },
            },
          },
        },
      );
      const id = launchExperiment.id as string;
      const kills = [await killAt(first, id, 1, 100)];
      const afterFirstKill = await storedResults(databasePath);

      const second = startServer(databasePath);
      kills.push(await killAt(second, id, 1, 350));

      const third = startServer(databasePath);
      if (!kills.at(-1)) await third.waitFor(finishedLine(id, 1));
      const replayed = await replayedSamples(third, id);
      third.kill('SIGTERM');
      await third.exited;

      const stored = await storedResults(databasePath);
      expect(afterFirstKill.length).toBeLessThan(SAMPLES);
      expect(stored).toHaveLength(SAMPLES);
      expectOneEventPerStoredResult(replayed, stored);
      console.log(
        `OpenAI-compatible run: kills before the end: ${kills.filter((done) => !done).length}; ${replayed.size} SampleCompleted for ${stored.length} results`,
      );
    } finally {
      await standin.close();
      rmSync(join(databasePath, '..'), { recursive: true, force: true });
    }
  });
});
