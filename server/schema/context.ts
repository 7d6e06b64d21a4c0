import type { EntityManager } from '@mikro-orm/knex';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import type { RetrievalServices } from '../engine/methods/index.ts';
import type { ProviderCredentials } from '../engine/providers/credentials.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';
import type { FanOut, FrameSink } from '../events/fan-out.ts';
import type { ExperimentService } from '../experiments/experiment-service.ts';
import type { DatasetGenerations } from '../experiments/dataset-generation.ts';
import type { JudgeRunDeps } from '../experiments/judge-run.ts';
import type { PersistentResponseCache } from '../experiments/persistent-cache.ts';

/** What resolvers may use. Built per operation: `em` is a fresh fork of the EntityManager. */
export interface Context {
  em: EntityManager;
  experiments: ExperimentService;
  datasets: DatasetRegistry;
  /** Synthetic datasets being generated from knowledge bases (background jobs of this process). */
  datasetGenerations: DatasetGenerations;
  bus: EventBus;
  eventStore: EventStore;
  /** The persistent response-cache tier shared by all experiments. */
  responseCache: PersistentResponseCache;
  /** Keys from the server environment: resolvers may say whether they are set, never what they are. */
  providerCredentials: ProviderCredentials;
  /** Vector indexes and embedding models, for building an index when a knowledge base is imported. */
  retrieval: RetrievalServices;
  subscriptions: SubscriptionSettings;
  /** What judgeExperiment needs to reach a judge model (the same layers and cache as a run). */
  judging: JudgeRunDeps;
  /** Shares one execution and one serialized payload among the subscribers of a selection. */
  fanOut: FanOut;
  /**
   * Set by a transport that takes pre-serialized frames (the WebSocket): event subscriptions then
   * write to it through the fan-out instead of yielding results to be executed per subscriber.
   */
  live?: FrameSink;
  /** False when LLMFORGE_API_TOKEN is set and the request did not present it. */
  authorized: boolean;
}

export interface SubscriptionSettings {
  /** Live events one subscriber may have waiting before it is told it overflowed. */
  bufferSize: number;
  /** Bytes a live WebSocket subscriber may leave unsent before it is told it overflowed. */
  maxBufferedBytes: number;
  /** Shortest gap between two pushes of experimentProfile. */
  profileIntervalMs: number;
}
