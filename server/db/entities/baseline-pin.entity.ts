import { EntitySchema, type Opt } from '@mikro-orm/core';
import { Experiment } from './experiment.entity.ts';

/**
 * The pinned baseline of a lineage: runs on the same dataset content, with the same method and prompt
 * name. checkRegression compares a candidate of the lineage with it when no baseline is named.
 */
export class BaselinePin {
  /** SHA-256 of (dataset content hash, method, prompt name). */
  lineage!: string;
  experiment!: Experiment;
  createdAt: Date & Opt = new Date();
}

export const BaselinePinSchema = new EntitySchema<BaselinePin>({
  class: BaselinePin,
  tableName: 'baseline_pins',
  properties: {
    lineage: { type: 'string', length: 64, primary: true },
    experiment: { kind: 'm:1', entity: () => Experiment, deleteRule: 'cascade' },
    createdAt: { type: 'datetime' },
  },
});
