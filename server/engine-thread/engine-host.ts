import { Registry } from 'prom-client';
import { openDatabase } from '../db/orm.ts';
import { countingWindows } from '../http/metrics.ts';
import { DatasetRegistry } from '../engine/datasets/registry.ts';
import { EmbeddingCache } from '../engine/embeddings/embedder.ts';
import { LimiterRegistry } from '../engine/providers/adaptive-limiter.ts';
import { BreakerRegistry } from '../engine/providers/circuit-breaker.ts';
import { NO_CREDENTIALS } from '../engine/providers/credentials.ts';
import { TimeSlice } from '../engine/time-slice.ts';
import { EventBus } from '../events/event-bus.ts';
import { EventStore } from '../events/event-store.ts';
import { ThreadEventTransport } from '../events/thread-event-transport.ts';
import { registerImportedDatasets } from '../experiments/dataset-imports.ts';
import { registerImportedKnowledgeBases } from '../experiments/knowledge-base-imports.ts';
import { ExperimentLifecycle } from '../experiments/lifecycle.ts';
import { PersistentResponseCache } from '../experiments/persistent-cache.ts';
import { AttemptScheduler, type QueuedAttempt } from '../experiments/scheduler.ts';
import { vectorIndexStoreFor } from '../experiments/sqlite-vector-index.ts';
import { createLogger } from '../logger.ts';
import { SecretScrubber } from '../secrets.ts';
import { DEFAULT_CACHE_MAX_ROWS, type ServerConfig } from '../server-config.ts';

/**
 * Everything the engine thread runs attempts with: its own database connection, bus endpoint,
 * event store, lifecycle, caches, provider windows and breakers, and an {@link AttemptScheduler}.
 */
export async function openEngineHost(
  config: ServerConfig,
  options: { channel: string; logWriter: (line: string) => void },
) {
  const credentials = config.providerCredentials ?? NO_CREDENTIALS;
  const secrets = SecretScrubber.forCredentials(credentials);
  const logger = createLogger(config.logLevel, options.logWriter, secrets.scrub);
  const orm = await openDatabase(config.databasePath);
  const datasets = await DatasetRegistry.loadBuiltins();
  await registerImportedDatasets(orm, datasets, logger);
  await registerImportedKnowledgeBases(orm, datasets, logger);
  const bus = new EventBus(new ThreadEventTransport(options.channel), {
    channelPrefix: config.redisPrefix,
  });
  const eventStore = new EventStore(orm, logger, (events, stored) => bus.settled(events, stored));
  await bus.start();
  bus.seedSequences(await eventStore.lastSequences());
  bus.setSink((event) => eventStore.record(event));
  const responseCache = new PersistentResponseCache(orm, logger, {
    maxRows: config.cacheMaxRows ?? DEFAULT_CACHE_MAX_ROWS,
  });
  // Its provider calls, merged into the API thread's /metrics.
  const metrics = new Registry();
  const scheduler = new AttemptScheduler(
    {
      orm,
      datasets,
      bus,
      eventStore,
      logger,
      progressIntervalMs: config.progressIntervalMs,
      credentials,
      responseCache,
      secrets,
      limiters: countingWindows(new LimiterRegistry(), metrics),
      breakers: new BreakerRegistry(),
      timeSlice: new TimeSlice(),
      lifecycle: new ExperimentLifecycle(orm, bus, eventStore),
      vectors: vectorIndexStoreFor(orm, { exactSearchLimit: config.exactSearchLimit }),
      embeddingCache: new EmbeddingCache(responseCache),
    },
    config.maxConcurrentRuns,
  );
  return {
    scheduler,
    metrics,
    /**
     * Before an attempt is queued here: datasets and knowledge bases imported through the API thread
     * since this thread started are registered, and the experiment's events are numbered on from
     * the last one stored (the API thread stored its own before sending the command).
     */
    async prepare(item: QueuedAttempt): Promise<void> {
      await registerImportedDatasets(orm, datasets, logger);
      await registerImportedKnowledgeBases(orm, datasets, logger, true);
      bus.continueSequence(item.experimentId, await eventStore.lastSequenceOf(item.experimentId));
    },
    async close(): Promise<void> {
      await scheduler.shutdown();
      await eventStore.flush();
      await responseCache.flush();
      await bus.stop();
      await orm.close(true);
    },
  };
}
