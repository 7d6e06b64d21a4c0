import { EntitySchema, type Opt } from '@mikro-orm/core';
import { Experiment } from './experiment.entity.ts';

/** One event of an experiment's stream, kept so subscribers can replay from any `seq`. */
export class ExperimentEventRow {
  id!: number;
  experiment!: Experiment;
  /** Per-experiment sequence number, from 1, never reused. */
  seq!: number;
  attempt!: number;
  type!: string;
  /** The event exactly as delivered (JSON). */
  payload!: unknown;
  createdAt: Date & Opt = new Date();
}

export const ExperimentEventSchema = new EntitySchema<ExperimentEventRow>({
  class: ExperimentEventRow,
  tableName: 'experiment_events',
  uniques: [{ properties: ['experiment', 'seq'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    experiment: { kind: 'm:1', entity: () => Experiment, deleteRule: 'cascade' },
    seq: { type: 'integer' },
    attempt: { type: 'integer' },
    type: { type: 'string', length: 32 },
    payload: { type: 'json', columnType: 'json' },
    createdAt: { type: 'datetime' },
  },
});
