import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { ExperimentConfig } from '../../engine/experiment-config.ts';

export const EXPERIMENT_STATUSES = [
  'PENDING',
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

/** An experiment: one configuration. Each run of it is an {@link Attempt}. */
export class Experiment {
  id!: string;
  name!: string;
  description: string | null = null;
  config!: ExperimentConfig;
  /** Denormalised from `config` so that lists can filter and sort in SQL. */
  method!: string;
  modelName!: string;
  datasetName!: string;
  status: ExperimentStatus & Opt = 'PENDING';
  error: string | null = null;
  /** Number of the latest attempt; 0 before the first run. */
  currentAttempt: number & Opt = 0;
  createdAt: Date & Opt = new Date();
  updatedAt: Date & Opt = new Date();
  startedAt: Date | null = null;
  completedAt: Date | null = null;
}

export const ExperimentSchema = new EntitySchema<Experiment>({
  class: Experiment,
  tableName: 'experiments',
  indexes: [{ properties: ['createdAt'] }, { properties: ['status'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    name: { type: 'string', length: 255 },
    description: { type: 'text', nullable: true },
    config: { type: 'json', columnType: 'json' },
    method: { type: 'string', length: 16, index: true },
    modelName: { type: 'string', length: 255, index: true },
    datasetName: { type: 'string', length: 255 },
    status: { type: 'string', length: 16 },
    error: { type: 'text', nullable: true },
    currentAttempt: { type: 'integer' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime', onUpdate: () => new Date() },
    startedAt: { type: 'datetime', nullable: true },
    completedAt: { type: 'datetime', nullable: true },
  },
});
