import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/sqlite';
import { createYoga, maskError as defaultMaskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import type { ServerConfig } from './config.ts';
import { openDatabase } from './db/orm.ts';
import { DatasetRegistry } from './engine/datasets/registry.ts';
import { AppError } from './errors.ts';
import { EventBus } from './events/event-bus.ts';
import { ExperimentService } from './experiments/experiment-service.ts';
import { AttemptScheduler } from './experiments/scheduler.ts';
import { GRAPHIQL_DEFAULT_QUERY } from './http/graphiql-examples.ts';
import { HOME_PAGE } from './http/pages.ts';
import { useRequestLimits } from './http/limits.ts';
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
}

/** Builds the whole server — storage, engine, GraphQL, REST — without listening yet. */
export async function buildApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const [orm, datasets] = await Promise.all([
    openDatabase(config.databasePath),
    overrides.datasets ? Promise.resolve(overrides.datasets) : DatasetRegistry.loadBuiltins(),
  ]);
  const bus = new EventBus();
  const scheduler = new AttemptScheduler(
    { orm, datasets, bus, logger, progressIntervalMs: config.progressIntervalMs },
    config.maxConcurrentRuns,
  );
  const experiments = new ExperimentService(orm, datasets, scheduler, bus);
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    context: () => ({ em: orm.em.fork(), experiments, datasets, bus }),
    graphiql: { title: 'LlmForge', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    maskedErrors: { maskError: (error, message, isDev) => maskError(logger, error, message, isDev) },
    logging: false,
    plugins: [useRequestLimits(), useRoutes({ orm, experiments }, logger)],
  });
  const server = createServer(yoga);
  let stopping: Promise<void> | null = null;

  return {
    yoga,
    orm,
    experiments,
    scheduler,
    bus,
    datasets,
    logger,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const resumed = await scheduler.recover();
      logger.info('listening', { url: `http://localhost:${port}/graphql`, database: config.databasePath, resumed });
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        server.closeAllConnections();
        await scheduler.shutdown();
        await orm.close(true);
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** Health, the placeholder home page and the REST shim, served beside GraphQL on the same port. */
function useRoutes(deps: RestDeps, logger: Logger): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/healthz') {
        endResponse(Response.json({ status: 'ok' }));
        return;
      }
      if (url.pathname === '/' && request.method === 'GET') {
        endResponse(new Response(HOME_PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } }));
        return;
      }
      try {
        const response = await handleRest(request, url, deps);
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
