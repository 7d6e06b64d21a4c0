import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { ExperimentMetrics } from '../../engine/metrics/aggregate.ts';
import type { RegressionReport } from '../../experiments/regression.ts';
import type { JudgeRunReport } from '../../experiments/judge-run.ts';
import type { RunManifest } from '../../experiments/run-manifest.ts';
import type { OptimizationProfile } from '../../engine/optimization-profile.ts';
import { Experiment, type ExperimentStatus } from './experiment.entity.ts';

/** One run of an experiment. Re-running creates a new attempt and keeps the old ones. */
export class Attempt {
  id!: number;
  experiment!: Experiment;
  number!: number;
  status: ExperimentStatus & Opt = 'QUEUED';
  /** SHA-256 of the whole dataset's content when the attempt was planned. */
  datasetHash!: string;
  /** Dataset indices of the sampled examples, in execution order; sample i is `sampleIndices[i]`. */
  sampleIndices!: number[];
  totalSamples!: number;
  /** Wall time summed over every stretch the attempt was running (a resumed attempt adds up). */
  wallTimeMs: number & Opt = 0;
  metrics: ExperimentMetrics | null = null;
  profile: OptimizationProfile | null = null;
  error: string | null = null;
  /** Started with a per-run API key. The key itself is held in memory only; a restart loses it. */
  runKey: boolean & Opt = false;
  /** Everything the attempt depended on (resolved config, content hashes, prompt, graders, endpoint, version); stored when it is planned. */
  manifest: RunManifest | null = null;
  /** SHA-256 of the canonical manifest: equal hashes, equal inputs. */
  manifestHash: string | null = null;
  /** The last regression check of this attempt as a candidate. */
  regression: RegressionReport | null = null;
  /** The last judgeExperiment run over this attempt's results. */
  judgeRun: JudgeRunReport | null = null;
  createdAt: Date & Opt = new Date();
  startedAt: Date | null = null;
  completedAt: Date | null = null;
}

export const AttemptSchema = new EntitySchema<Attempt>({
  class: Attempt,
  tableName: 'attempts',
  uniques: [{ properties: ['experiment', 'number'] }],
  indexes: [{ properties: ['status'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    experiment: { kind: 'm:1', entity: () => Experiment, deleteRule: 'cascade' },
    number: { type: 'integer' },
    status: { type: 'string', length: 16 },
    datasetHash: { type: 'string', length: 64 },
    sampleIndices: { type: 'json', columnType: 'json', lazy: true },
    totalSamples: { type: 'integer' },
    wallTimeMs: { type: 'double' },
    metrics: { type: 'json', columnType: 'json', nullable: true },
    profile: { type: 'json', columnType: 'json', nullable: true },
    error: { type: 'text', nullable: true },
    runKey: { type: 'boolean', default: false },
    manifest: { type: 'json', columnType: 'json', nullable: true },
    manifestHash: { type: 'string', length: 64, nullable: true },
    regression: { type: 'json', columnType: 'json', nullable: true, lazy: true },
    judgeRun: { type: 'json', columnType: 'json', nullable: true, lazy: true },
    createdAt: { type: 'datetime' },
    startedAt: { type: 'datetime', nullable: true },
    completedAt: { type: 'datetime', nullable: true },
  },
});
