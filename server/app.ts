import { EmbeddingCache } from './engine/embeddings/embedder.ts';
import { vectorIndexStoreFor } from './experiments/sqlite-vector-index.ts';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { ThreadDispatcher } from './engine-thread/thread-dispatcher.ts';
import { ThreadEventTransport } from './events/thread-event-transport.ts';
import type { AddressInfo } from 'node:net';
import type { Database } from './db/orm.ts';
import {
  createYoga,
  maskError as defaultMaskError,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { QueuedAttemptScheduler } from './cluster/queued-scheduler.ts';
import { RedisConcurrencyWindows } from './cluster/shared-window.ts';
import {
  DEFAULT_CACHE_MAX_ROWS,
  DEFAULT_LEASE_MS,
  DEFAULT_SUBSCRIBER_BUFFER_BYTES,
  type ServerConfig,
  type ServerRole,
} from './server-config.ts';
import { redactUrl } from './db/dialect.ts';
import { openDatabase } from './db/orm.ts';
import { DatasetRegistry } from './engine/datasets/registry.ts';
import { LimiterRegistry } from './engine/providers/adaptive-limiter.ts';
import { BreakerRegistry } from './engine/providers/circuit-breaker.ts';
import { NO_CREDENTIALS } from './engine/providers/credentials.ts';
import { TimeSlice } from './engine/time-slice.ts';
import { AppError } from './errors.ts';
import { EventBus, type ExperimentEvent } from './events/event-bus.ts';
import { EventStore } from './events/event-store.ts';
import { FanOut } from './events/fan-out.ts';
import { LocalEventTransport } from './events/event-transport.ts';
import { RedisEventTransport } from './events/redis-event-transport.ts';
import { registerImportedDatasets } from './experiments/dataset-imports.ts';
import { registerImportedKnowledgeBases } from './experiments/knowledge-base-imports.ts';
import { ExperimentService } from './experiments/experiment-service.ts';
import { DatasetGenerations } from './experiments/dataset-generation.ts';
import { ExperimentLifecycle } from './experiments/lifecycle.ts';
import { PersistentResponseCache } from './experiments/persistent-cache.ts';
import { AttemptScheduler, type AttemptDispatcher } from './experiments/scheduler.ts';
import { countingWindows, createMetrics } from './http/metrics.ts';
import { Registry } from 'prom-client';
import { isAuthorized, useApiToken } from './http/auth.ts';
import { GRAPHIQL_DEFAULT_QUERY } from './http/graphiql-examples.ts';
import { CLIENT_DIST, serveClient } from './http/client-files.ts';
import { attachGraphQLWebSocket } from './http/websocket.ts';
import { DEFAULT_LIMITS, useRequestLimits } from './http/limits.ts';
import { useSharedQueries } from './http/shared-queries.ts';
import { corsPolicy, useCsrfPrevention } from './http/security.ts';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { handleRest, type RestDeps } from './http/rest.ts';
import { logEvent } from './log-events.ts';
import { createLogger, type Logger } from './logger.ts';
import { SecretScrubber } from './secrets.ts';
import type { Context } from './schema/context.ts';
import { buildSchema } from './schema/index.ts';

export interface App {
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  orm: Database;
  experiments: ExperimentService;
  scheduler: AttemptDispatcher;
  lifecycle: ExperimentLifecycle;
  bus: EventBus;
  eventStore: EventStore;
  /** Event subscribers grouped by selection; its `stats` count executions (shared vs. per subscriber). */
  fanOut: FanOut;
  datasets: DatasetRegistry;
  /** Dataset generations from knowledge bases (background jobs of this process). */
  datasetGenerations: DatasetGenerations;
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
  const providerCredentials = config.providerCredentials ?? NO_CREDENTIALS;
  const secrets = SecretScrubber.forCredentials(providerCredentials);
  const logger = createLogger(config.logLevel, overrides.logWriter, secrets.scrub);
  const [orm, datasets] = await Promise.all([
    openDatabase(config.databasePath),
    overrides.datasets ? Promise.resolve(overrides.datasets) : DatasetRegistry.loadBuiltins(),
  ]);
  await registerImportedDatasets(orm, datasets, logger);
  await registerImportedKnowledgeBases(orm, datasets, logger);
  // The engine thread's bus and this one share a BroadcastChannel named for this app alone.
  const busChannel = `llmforge-events-${randomUUID()}`;
  const bus = new EventBus(
    config.redisUrl
      ? new RedisEventTransport(config.redisUrl, logger)
      : config.engineThread
        ? new ThreadEventTransport(busChannel)
        : new LocalEventTransport(),
    {
      channelPrefix: config.redisPrefix,
    },
  );
  const eventStore = new EventStore(orm, logger, (events, stored) => bus.settled(events, stored));
  try {
    await bus.start();
  } catch (error) {
    await bus.stop();
    await orm.close(true);
    throw new Error(
      `cannot reach Redis at ${redactUrl(config.redisUrl ?? '')}: ${(error as Error).message}`,
    );
  }
  bus.seedSequences(await eventStore.lastSequences());
  bus.setSink((event) => eventStore.record(event));
  bus.setGapReader(async (experimentId, after, before) => {
    const events: ExperimentEvent[] = [];
    try {
      for await (const event of eventStore.stored(experimentId, after, before - 1))
        events.push(event);
    } catch (error) {
      logger.warn('could not read the stored events of a gap in the event stream', {
        experimentId,
        after,
        before,
        error,
      });
    }
    return events;
  });
  const responseCache = new PersistentResponseCache(orm, logger, {
    maxRows: config.cacheMaxRows ?? DEFAULT_CACHE_MAX_ROWS,
  });
  const lifecycle = new ExperimentLifecycle(orm, bus, eventStore);
  const role = config.role ?? 'all';
  // In a cluster the workers share each endpoint's concurrency window through Redis.
  const sharedWindows =
    config.redisUrl && role !== 'api'
      ? new RedisConcurrencyWindows(config.redisUrl, config.redisPrefix ?? 'llmforge:', logger)
      : null;
  const metricsRegistry = new Registry();
  const vectors = vectorIndexStoreFor(orm, { exactSearchLimit: config.exactSearchLimit });
  // One window and one breaker per endpoint for everything the app calls: experiments and dataset generation alike.
  const limiters = countingWindows(sharedWindows ?? new LimiterRegistry(), metricsRegistry);
  const breakers = new BreakerRegistry();
  const embeddingCache = new EmbeddingCache(responseCache);
  const fanOut = new FanOut(bus, eventStore);
  const threaded =
    config.engineThread && !config.redisUrl
      ? await ThreadDispatcher.start(config, busChannel, {
          bus,
          eventStore,
          logger,
          writeLog: overrides.logWriter ?? ((line) => process.stderr.write(line)),
        }).catch(async (error: unknown) => {
          await bus.stop();
          await orm.close(true);
          throw error;
        })
      : null;
  // Called at most once: with the engine thread attempts run there, and this thread needs none.
  const newLocalScheduler = () =>
    new AttemptScheduler(
      {
        orm,
        datasets,
        bus,
        eventStore,
        logger,
        progressIntervalMs: config.progressIntervalMs,
        credentials: providerCredentials,
        responseCache,
        secrets,
        limiters,
        breakers,
        timeSlice: new TimeSlice(),
        lifecycle,
        vectors,
        embeddingCache,
      },
      config.maxConcurrentRuns,
    );
  const queued = config.redisUrl
    ? new QueuedAttemptScheduler(
        newLocalScheduler(),
        { orm, bus, eventStore, logger },
        {
          redisUrl: config.redisUrl,
          prefix: config.redisPrefix ?? 'llmforge:',
          dispatches: role !== 'worker',
          works: role !== 'api',
          attemptsPerWorker: config.maxConcurrentRuns,
          leaseMs: config.leaseMs ?? DEFAULT_LEASE_MS,
        },
      )
    : null;
  const scheduler: AttemptDispatcher = queued ?? threaded ?? newLocalScheduler();
  await queued?.start();
  const metrics = createMetrics(
    {
      bus,
      scheduler,
      engineThread: threaded ? () => threaded.metrics() : undefined,
      queueDepth: queued ? () => queued.depth() : undefined,
      fanOut,
    },
    metricsRegistry,
  );
  const health = async () => {
    const [database, redis] = await Promise.all([
      orm
        .checkConnection()
        .then((result) =>
          result.ok ? { ok: true as const } : { ok: false as const, reason: result.reason },
        ),
      config.redisUrl ? bus.check() : Promise.resolve(null),
    ]);
    return {
      status: database.ok && (redis?.ok ?? true) ? 'ok' : 'unavailable',
      role,
      database,
      redis,
    };
  };
  const experiments = new ExperimentService(datasets, scheduler, lifecycle, eventStore);
  const datasetGenerations = new DatasetGenerations({
    orm,
    datasets,
    logger,
    credentials: providerCredentials,
    responseCache,
    secrets,
    limiters,
    breakers,
  });
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    context: (initial: { request?: Request; connectionParams?: Record<string, unknown> }) => ({
      em: orm.em.fork(),
      experiments,
      datasets,
      datasetGenerations,
      bus,
      eventStore,
      responseCache,
      providerCredentials,
      judging: {
        datasets,
        credentials: providerCredentials,
        responseCache,
        secrets,
        limiters,
        breakers,
      },
      retrieval: {
        vectors,
        models: { cache: embeddingCache, credentials: providerCredentials, limiters, secrets },
      },
      fanOut,
      subscriptions: {
        bufferSize: config.subscriberBufferSize,
        maxBufferedBytes: config.subscriberBufferBytes ?? DEFAULT_SUBSCRIBER_BUFFER_BYTES,
        profileIntervalMs: config.profileIntervalMs,
      },
      authorized: isAuthorized(config.apiToken, initial.request, initial.connectionParams),
    }),
    // Rendered from the bundled GraphiQL (no CDN): the playground works without internet.
    graphiql: { title: 'LlmForge', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    renderGraphiQL,
    cors: corsPolicy(config.corsOrigins ?? []),
    maskedErrors: {
      maskError: (error, message, isDev) => maskError(logger, error, message, isDev),
    },
    logging: false,
    // useRequestLimits bounds every body (chunked ones too) as it reads it; yoga's own 25 MB bound
    // would pipe each body through one more stream transform, a twentieth of a query's CPU time.
    maxRequestBodySize: false,
    plugins: [
      useOperations(role, health, metrics),
      useRequestLimits(),
      useCsrfPrevention(),
      useApiToken(),
      useRoutes({ orm, experiments }, logger, overrides.clientDir ?? CLIENT_DIST),
      useSharedQueries(metrics.countQueryExecution),
    ],
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
    lifecycle,
    bus,
    eventStore,
    fanOut,
    datasets,
    datasetGenerations,
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
        host: config.host,
        role,
        database: redactUrl(config.databasePath),
        resumed,
      });
      if (!isLoopback(config.host) && !config.apiToken) {
        logger.warn(
          'listening beyond loopback without an API token: anyone who can reach this port can run and delete experiments; set LLMFORGE_API_TOKEN',
          { host: config.host },
        );
      }
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        await webSocket.dispose();
        server.closeAllConnections();
        await scheduler.shutdown();
        await datasetGenerations.shutdown();
        await eventStore.flush();
        await responseCache.flush();
        await bus.stop();
        await sharedWindows?.close();
        await orm.close(true);
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/**
 * /healthz (the database and Redis, 503 when either is down) and /metrics (Prometheus text) on every
 * process; a worker serves nothing else.
 */
function useOperations(
  role: ServerRole,
  health: () => Promise<{ status: string }>,
  metrics: ReturnType<typeof createMetrics>,
): Plugin {
  return {
    async onRequest({ url, endResponse }) {
      if (url.pathname === '/healthz') {
        const report = await health();
        endResponse(Response.json(report, { status: report.status === 'ok' ? 200 : 503 }));
      } else if (url.pathname === '/metrics') {
        endResponse(
          new Response(await metrics.render(), {
            headers: { 'content-type': metrics.contentType },
          }),
        );
      } else if (role === 'worker') {
        endResponse(
          Response.json(
            {
              error: {
                code: 'NOT_FOUND',
                message: 'a worker process serves only /healthz and /metrics',
              },
            },
            { status: 404 },
          ),
        );
      }
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The REST shim and the web client, served beside GraphQL on the same port. */
function useRoutes(deps: RestDeps, logger: Logger, clientDir: string): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      try {
        const response =
          (await handleRest(request, url, deps)) ?? (await serveClient(request, url, clientDir));
        if (response) endResponse(response);
      } catch (error) {
        logger.error('REST request failed', { path: url.pathname, error });
        endResponse(
          Response.json(
            { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } },
            { status: 500 },
          ),
        );
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
  if (original && !(original instanceof GraphQLError))
    logger.error('unexpected error', { error: original });
  return defaultMaskError(error, message, isDev);
}
