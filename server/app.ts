import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/sqlite';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { DEFAULT_CACHE_MAX_ROWS, type ServerConfig } from './server-config.ts';
import { openDatabase } from './db/orm.ts';
import { DatasetRegistry } from './engine/datasets/registry.ts';
import { LimiterRegistry } from './engine/providers/adaptive-limiter.ts';
import { NO_CREDENTIALS } from './engine/providers/credentials.ts';
import { TimeSlice } from './engine/time-slice.ts';
import { AppError } from './errors.ts';
import { EventBus } from './events/event-bus.ts';
import { EventStore } from './events/event-store.ts';
import { registerImportedDatasets } from './experiments/dataset-imports.ts';
import { registerImportedKnowledgeBases } from './experiments/knowledge-base-imports.ts';
import { ExperimentService } from './experiments/experiment-service.ts';
import { ExperimentLifecycle } from './experiments/lifecycle.ts';
import { PersistentResponseCache } from './experiments/persistent-cache.ts';
import { AttemptScheduler } from './experiments/scheduler.ts';
import { isAuthorized, useApiToken } from './http/auth.ts';
import { GRAPHIQL_DEFAULT_QUERY } from './http/graphiql-examples.ts';
import { CLIENT_DIST, serveClient } from './http/client-files.ts';
import { attachGraphQLWebSocket } from './http/websocket.ts';
import { useRequestLimits } from './http/limits.ts';
import { handleRest, type RestDeps } from './http/rest.ts';
import { logEvent } from './log-events.ts';
import { createLogger, type Logger } from './logger.ts';
import { SecretScrubber } from './secrets.ts';
import type { Context } from './schema/context.ts';
import { buildSchema } from './schema/index.ts';

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  orm: MikroORM;
  experiments: ExperimentService;
  scheduler: AttemptScheduler;
  lifecycle: ExperimentLifecycle;
  bus: EventBus;
  eventStore: EventStore;
  datasets: DatasetRegistry;
  logger: Logger;
  /** Listens on `config.port` (0 = any free port) and resumes interrupted attempts; returns the base URL. */
  start(): Promise<string>;
  /** Stops dispatching, stores every finished sample, closes connections and the database. */
  stop(): Promise<void>;
}

export interface AppOverrides {
  /** Where log lines go (default stderr); they are scrubbed of this app's keys first. */
  logWriter?: (line: string) => void;
  datasets?: DatasetRegistry;
  /** The built web client served at `/` (default client/dist). */
  clientDir?: string;
}

/** Builds the whole server — storage, engine, GraphQL, REST — without listening yet. */
export async function buildApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<App> {
  // Everything with state is created here, so two apps in one process share nothing.
  const secrets = new SecretScrubber();
  const logger = createLogger(config.logLevel, overrides.logWriter, secrets.scrub);
  const providerCredentials = config.providerCredentials ?? NO_CREDENTIALS;
  const [orm, datasets] = await Promise.all([
    openDatabase(config.databasePath),
    overrides.datasets ? Promise.resolve(overrides.datasets) : DatasetRegistry.loadBuiltins(),
  ]);
  await registerImportedDatasets(orm, datasets, logger);
  await registerImportedKnowledgeBases(orm, datasets, logger);
  const bus = new EventBus();
  const eventStore = new EventStore(orm, logger);
  bus.seedSequences(await eventStore.lastSequences());
  bus.setSink((event) => eventStore.record(event));
  const responseCache = new PersistentResponseCache(orm, logger, { maxRows: config.cacheMaxRows ?? DEFAULT_CACHE_MAX_ROWS });
  const lifecycle = new ExperimentLifecycle(orm, bus);
  const scheduler = new AttemptScheduler(
    {
      orm,
      datasets,
      bus,
      logger,
      progressIntervalMs: config.progressIntervalMs,
      credentials: providerCredentials,
      responseCache,
      secrets,
      limiters: new LimiterRegistry(),
      timeSlice: new TimeSlice(),
      lifecycle,
    },
    config.maxConcurrentRuns,
  );
  const experiments = new ExperimentService(datasets, scheduler, lifecycle, eventStore);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    context: (initial: { request?: Request; connectionParams?: Record<string, unknown> }) => ({
      em: orm.em.fork(),
      experiments,
      datasets,
      bus,
      eventStore,
      responseCache,
      providerCredentials,
      subscriptions: { bufferSize: config.subscriberBufferSize, profileIntervalMs: config.profileIntervalMs },
      authorized: isAuthorized(config.apiToken, initial.request, initial.connectionParams),
    }),
    graphiql: { title: 'LlmForge', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    maskedErrors: { maskError: (error, message, isDev) => maskError(logger, error, message, isDev) },
    logging: false,
    plugins: [useRequestLimits(), useApiToken(), useRoutes({ orm, experiments }, logger, overrides.clientDir ?? CLIENT_DIST)],
  });
  const server = createServer(yoga);
  const webSocket = attachGraphQLWebSocket(server, yoga, config.apiToken);
  let stopping: Promise<void> | null = null;

  return {
    yoga,
    orm,
    experiments,
    scheduler,
    lifecycle,
    bus,
    eventStore,
    datasets,
    logger,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const resumed = await scheduler.recover();
      logEvent(logger, 'info', 'server.listening', 'listening', {
        url: `http://localhost:${port}/graphql`,
        database: config.databasePath,
        resumed,
      });
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        await webSocket.dispose();
        server.closeAllConnections();
        await scheduler.shutdown();
        await eventStore.flush();
        await responseCache.flush();
        await orm.close(true);
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** Health, the REST shim and the web client, served beside GraphQL on the same port. */
function useRoutes(deps: RestDeps, logger: Logger, clientDir: string): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      try {
        const response = (await handleRest(request, url, deps)) ?? (await serveClient(request, url, clientDir));
        if (response) endResponse(response);
      } catch (error) {
        logger.error('REST request failed', { path: url.pathname, error });
        endResponse(Response.json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } }, { status: 500 }));
      }
    },
  };
}

/** Expected errors reach the client with their code; anything else is logged and masked. */
function maskError(logger: Logger, error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof AppError) {
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { ...original.extensions, code: original.code },
    });
  }
  if (original && !(original instanceof GraphQLError)) logger.error('unexpected error', { error: original });
  return defaultMaskError(error, message, isDev);
}
