import { buildApp, type App, type AppOverrides } from '../../server/app.ts';
import type { ServerConfig } from '../../server/server-config.ts';
import type { ExperimentStatus } from '../../server/db/entities/experiment.entity.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { TERMINAL_STATUSES } from '../../server/events/event-bus.ts';
import type { LogLevel } from '../../server/logger.ts';
import { newDatabasePath, removeDatabase } from './database.ts';

export { newDatabasePath, removeDatabase } from './database.ts';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestApp {
  app: App;
  databasePath: string;
  /** Runs an operation in-process through yoga.fetch (the whole HTTP pipeline, no socket). */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** Any in-process HTTP request (REST shim, health, pages). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Resolves with the terminal status of the experiment's current attempt (event-driven, no polling). */
  waitForEnd(experimentId: string): Promise<ExperimentStatus>;
  /** Stops the app; removes the database unless `keepDatabase`. */
  dispose(options?: { keepDatabase?: boolean }): Promise<void>;
}

let sharedDatasets: Promise<DatasetRegistry> | null = null;

/** A real app on a real database: a SQLite file in a temp folder, or its own PostgreSQL database. */
export async function createTestApp(
  overrides: Partial<ServerConfig> = {},
  appOverrides: AppOverrides = {},
): Promise<TestApp> {
  const databasePath = overrides.databasePath ?? newDatabasePath();
  const config: ServerConfig = {
    port: 0,
    host: '127.0.0.1',
    databasePath,
    logLevel: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'silent',
    maxConcurrentRuns: 4,
    progressIntervalMs: 100,
    apiToken: null,
    subscriberBufferSize: 10_000,
    profileIntervalMs: 250,
    engineThread: process.env.LLMFORGE_TEST_ENGINE_THREAD === '1',
    ...overrides,
  };
  sharedDatasets ??= DatasetRegistry.loadBuiltins();
  const app = await buildApp(config, { datasets: await sharedDatasets, ...appOverrides }).catch(
    async (error: unknown) => {
      if (!overrides.databasePath) await removeDatabase(databasePath);
      throw error;
    },
  );

  const fetchPath = (path: string, init?: RequestInit) =>
    Promise.resolve(app.yoga.fetch(`http://test${path}`, init ?? {}));
  return {
    app,
    databasePath,
    async gql(query, variables) {
      const response = await fetchPath('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    fetch: fetchPath,
    waitForEnd(experimentId) {
      return new Promise((resolve, reject) => {
        const stop = app.bus.subscribe(experimentId, (event) => {
          if (event.type === 'ExperimentStatusChanged' && TERMINAL_STATUSES.has(event.status)) {
            stop();
            resolve(event.status);
          }
        });
        app.experiments.get(app.orm.em.fork(), experimentId).then((experiment) => {
          if (!experiment) {
            stop();
            reject(new Error(`no experiment ${experimentId}`));
          } else if (
            TERMINAL_STATUSES.has(experiment.status) &&
            !app.scheduler.runsHere(experimentId)
          ) {
            stop();
            resolve(experiment.status);
          }
        }, reject);
      });
    },
    async dispose(options = {}) {
      await app.stop();
      if (!options.keepDatabase) await removeDatabase(databasePath);
    },
  };
}

/** Launches an experiment through GraphQL and returns its id; throws on GraphQL errors. */
export async function launch(
  t: TestApp,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const result = await t.gql<{ launchExperiment: { id: string } }>(
    `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id status } }`,
    { input: { name, config } },
  );
  if (result.errors || !result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.launchExperiment.id;
}
