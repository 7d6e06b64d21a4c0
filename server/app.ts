import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/sqlite';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { DEFAULT_CACHE_MAX_ROWS, type ServerConfig } from './config.ts';
import { openDatabase } from './db/orm.ts';
import { DatasetRegistry } from './engine/datasets/registry.ts';
import { NO_CREDENTIALS } from './engine/providers/credentials.ts';
import { AppError } from './errors.ts';
import { registerSecret } from './secrets.ts';
import { EventBus } from './events/event-bus.ts';
import { EventStore } from './events/event-store.ts';
import { registerImportedDatasets } from './experiments/dataset-imports.ts';
import { ExperimentService } from './experiments/experiment-service.ts';
import { PersistentResponseCache } from './experiments/persistent-cache.ts';
import { AttemptScheduler } from './experiments/scheduler.ts';
import { isAuthorized, useApiToken } from './http/auth.ts';
import { GRAPHIQL_DEFAULT_QUERY } from './http/graphiql-examples.ts';
import { CLIENT_DIST, serveClient } from './http/client-files.ts';
import { attachGraphQLWebSocket } from './http/websocket.ts';
import { DEFAULT_LIMITS, useRequestLimits } from './http/limits.ts';
import { corsPolicy, useCsrfPrevention } from './http/security.ts';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { handleRest, type RestDeps } from './http/rest.ts';
import { createLogger, type Logger } from './logger.ts';
import type { Context } from './schema/context.ts';
import { buildSchema } from './schema/index.ts';

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  orm: MikroORM;
  experiments: ExperimentService;
  scheduler: AttemptScheduler;
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
  logger?: Logger;
  datasets?: DatasetRegistry;
  /** The built web client served at `/` (default client/dist). */
  clientDir?: string;
}

/** Builds the whole server — storage, engine, GraphQL, REST — without listening yet. */
export async function buildApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const providerCredentials = config.providerCredentials ?? NO_CREDENTIALS;
  // Every configured key is scrubbed from outputs and errors from the start, used by a run or not.
  registerSecret(providerCredentials.hfToken);
  for (const endpoint of providerCredentials.openAiEndpoints) registerSecret(endpoint.apiKey);
  const [orm, datasets] = await Promise.all([
    openDatabase(config.databasePath),
    overrides.datasets ? Promise.resolve(overrides.datasets) : DatasetRegistry.loadBuiltins(),
  ]);
  await registerImportedDatasets(orm, datasets, logger);
  const bus = new EventBus();
  const eventStore = new EventStore(orm, logger);
  bus.seedSequences(await eventStore.lastSequences());
  bus.setSink((event) => eventStore.record(event));
  const responseCache = new PersistentResponseCache(orm, logger, { maxRows: config.cacheMaxRows ?? DEFAULT_CACHE_MAX_ROWS });
  const scheduler = new AttemptScheduler(
    { orm, datasets, bus, eventStore, logger, progressIntervalMs: config.progressIntervalMs, credentials: providerCredentials, responseCache },
    config.maxConcurrentRuns,
  );
  const experiments = new ExperimentService(orm, datasets, scheduler, bus, eventStore);
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
    // Rendered from the bundled GraphiQL (no CDN): the playground works without internet.
    graphiql: { title: 'LlmForge', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    renderGraphiQL,
    cors: corsPolicy(config.corsOrigins ?? []),
    maskedErrors: { maskError: (error, message, isDev) => maskError(logger, error, message, isDev) },
    logging: false,
    plugins: [useRequestLimits(), useCsrfPrevention(), useApiToken(), useRoutes({ orm, experiments }, logger, overrides.clientDir ?? CLIENT_DIST)],
  });
  const server = createServer(yoga);
  const webSocket = attachGraphQLWebSocket(server, yoga, {
    apiToken: config.apiToken,
    corsOrigins: config.corsOrigins ?? [],
    maxPayloadBytes: DEFAULT_LIMITS.maxBodyBytes,
  });
  let stopping: Promise<void> | null = null;

  return {
    yoga,
    orm,
    experiments,
    scheduler,
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
      logger.info('listening', { url: `http://localhost:${port}/graphql`, host: config.host, database: config.databasePath, resumed });
      if (!isLoopback(config.host) && !config.apiToken) {
        logger.warn('listening beyond loopback without an API token: anyone who can reach this port can run and delete experiments; set LLMFORGE_API_TOKEN', { host: config.host });
      }
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

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
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
