import { EntitySchema, type Opt } from '@mikro-orm/core';
import { FAILED_RESULTS_INDEX } from '../migrations/Migration20261207220000_failed_results_index.ts';
import type { FailureMode } from '../../engine/graders/failure-mode.ts';
import type { GraderResult } from '../../engine/graders/grade.ts';
import { Attempt } from './attempt.entity.ts';

/** The outcome of one sample of one attempt. Exactly one row per (attempt, sampleIndex). */
export class SampleResult {
  id!: number;
  attempt!: Attempt;
  sampleIndex!: number;
  exampleId!: string;
  question!: string;
  expectedAnswer!: string;
  /** The messages sent to the provider, as JSON text. */
  prompt!: string;
  rawOutput: string | null = null;
  parsedAnswer: string | null = null;
  exactMatch: boolean & Opt = false;
  substringMatch: boolean & Opt = false;
  correct: boolean & Opt = false;
  f1: number & Opt = 0;
  matchedAlias: string | null = null;
  tokensInput: number & Opt = 0;
  tokensOutput: number & Opt = 0;
  latencyMs: number & Opt = 0;
  /** Milliseconds per profile phase; null when profiling is off. */
  timings: Record<string, number> | null = null;
  cacheHit: boolean & Opt = false;
  cacheTier: string | null = null;
  error: string | null = null;
  retries: number & Opt = 0;
  /** Method-specific detail (agent steps, retrieved passages); null for single-call methods. */
  trace: unknown = null;
  /** The extra fields of the example's record (category, difficulty, …); null when it has none. */
  metadata: Record<string, unknown> | null = null;
  /** Each grader's verdict on the answer, in config order; null when the experiment has no graders. */
  grades: GraderResult[] | null = null;
  /** How a wrong or failed sample went wrong; null for a correct one. */
  failureMode: FailureMode | null = null;
  /** Model-graded metrics ({ semanticSimilarity, … }); null when none was configured. */
  modelMetrics: Record<string, unknown> | null = null;
  createdAt: Date & Opt = new Date();
}

export const SampleResultSchema = new EntitySchema<SampleResult>({
  class: SampleResult,
  tableName: 'sample_results',
  uniques: [{ properties: ['attempt', 'sampleIndex'] }],
  // An attempt's failures, so counting them reads an index and not every result (see the migration).
  indexes: [{ name: 'sample_results_failed_index', expression: FAILED_RESULTS_INDEX }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    attempt: { kind: 'm:1', entity: () => Attempt, deleteRule: 'cascade' },
    sampleIndex: { type: 'integer' },
    exampleId: { type: 'string', length: 255 },
    question: { type: 'text' },
    expectedAnswer: { type: 'text' },
    prompt: { type: 'text' },
    rawOutput: { type: 'text', nullable: true },
    parsedAnswer: { type: 'text', nullable: true },
    exactMatch: { type: 'boolean' },
    substringMatch: { type: 'boolean' },
    correct: { type: 'boolean' },
    f1: { type: 'double' },
    matchedAlias: { type: 'text', nullable: true },
    tokensInput: { type: 'integer' },
    tokensOutput: { type: 'integer' },
    latencyMs: { type: 'double' },
    timings: { type: 'json', columnType: 'json', nullable: true },
    cacheHit: { type: 'boolean' },
    cacheTier: { type: 'string', length: 16, nullable: true },
    error: { type: 'text', nullable: true },
    retries: { type: 'integer' },
    trace: { type: 'json', columnType: 'json', nullable: true },
    metadata: { type: 'json', columnType: 'json', nullable: true },
    grades: { type: 'json', columnType: 'json', nullable: true },
    failureMode: { type: 'string', length: 16, nullable: true },
    modelMetrics: { type: 'json', columnType: 'json', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
