import type { EntityManager } from '@mikro-orm/sqlite';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ExperimentService } from '../experiments/experiment-service.ts';

/** What resolvers may use. Built per operation: `em` is a fresh fork of the EntityManager. */
export interface Context {
  em: EntityManager;
  experiments: ExperimentService;
  datasets: DatasetRegistry;
  bus: EventBus;
}
