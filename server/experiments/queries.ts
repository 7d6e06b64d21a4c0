import type { EntityManager } from '@mikro-orm/knex';
import { sqlDialect } from '../db/dialect.ts';
import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import type { StoredOutcome } from '../engine/runner.ts';

/** Booleans are 0/1 in SQLite and true/false in PostgreSQL; JSON is text in SQLite and parsed in PostgreSQL. */
interface OutcomeRow {
  sample_index: number;
  exact_match: unknown;
  substring_match: unknown;
  correct: unknown;
  f1: number;
  latency_ms: number;
  tokens_input: number;
  tokens_output: number;
  cache_hit: unknown;
  failed: unknown;
  timings: unknown;
  grades: unknown;
  failure_mode: string | null;
  model_metrics: unknown;
}

/** The outcomes already stored for an attempt, by sample index (what a resumed attempt must not redo). */
export async function loadStoredOutcomes(
  em: EntityManager,
  attemptId: number,
): Promise<Map<number, StoredOutcome>> {
  const rows = await em.getConnection().execute<OutcomeRow[]>(
    `select sample_index, exact_match, substring_match, correct, f1, latency_ms, tokens_input, tokens_output,
            cache_hit, error is not null as failed, timings, grades, failure_mode, model_metrics
       from sample_results where attempt_id = ?`,
    [attemptId],
  );
  const { bool, json } = sqlDialect(em);
  const outcomes = new Map<number, StoredOutcome>();
  for (const row of rows) {
    outcomes.set(row.sample_index, {
      exact: bool(row.exact_match),
      substring: bool(row.substring_match),
      correct: bool(row.correct),
      f1: row.f1,
      latencyMs: row.latency_ms,
      tokensInput: row.tokens_input,
      tokensOutput: row.tokens_output,
      cacheHit: bool(row.cache_hit),
      failed: bool(row.failed),
      timings: row.timings ? json<StoredOutcome['timings']>(row.timings) : null,
      grades: row.grades ? json<StoredOutcome['grades']>(row.grades) : null,
      failureMode: (row.failure_mode ?? null) as StoredOutcome['failureMode'],
      ...storedModelMetrics(row.model_metrics),
    });
  }
  return outcomes;
}

/** A resumed attempt's aggregates include the model-graded values already stored. */
function storedModelMetrics(
  value: unknown,
): Pick<
  StoredOutcome,
  'semanticSimilarity' | 'faithfulness' | 'hallucinated' | 'contextRelevance' | 'judge'
> {
  if (!value) return {};
  // Text in SQLite, already parsed in PostgreSQL.
  const stored = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const metric of [
    'semanticSimilarity',
    'faithfulness',
    'hallucinated',
    'contextRelevance',
    'judge',
  ] as const)
    if (metric in stored) kept[metric] = stored[metric] ?? null;
  return kept;
}

/** What an ended (or not yet running) attempt's fields show, read as stored. */
export interface StoredFigures {
  done: number;
  failed: number;
  total: number;
  metrics: ExperimentMetrics | null;
  profile: OptimizationProfile | null;
}

/**
 * The stored figures of each experiment's current attempt, keyed by experiment id: its metrics and
 * profile, and its results and failures counted. One statement for a whole list page, and no entity:
 * these are read on every row of a list and every polled detail, and a managed attempt is hydrated
 * with every JSON column parsed, then serialized again for change detection. Both counts read
 * indexes only (every result by attempt, the failed ones by a partial index), not every stored
 * result. With the attempt entity and a count over the results, the list of 8 ended experiments of
 * the perf suite's querycost row took 5.1-5.2 ms of server CPU a query; now 2.4-2.7 ms. On the read
 * connection: on SQLite the write connection is busy with the running attempts' result batches, and
 * a read there waited behind all of them.
 */
export async function readCurrentFigures(
  em: EntityManager,
  experiments: readonly { id: string; currentAttempt: number }[],
): Promise<Map<string, StoredFigures>> {
  const figures = new Map<string, StoredFigures>();
  if (experiments.length === 0) return figures;
  const dialect = sqlDialect(em);
  const current = currentAttempts(experiments, 'a');
  const rows = await em.getConnection('read').execute<FiguresRow[]>(
    `select a.experiment_id, a.total_samples, a.metrics, a.profile,
            (select count(*) from sample_results r where r.attempt_id = a.id) as done,
            (select count(*) from sample_results r where r.attempt_id = a.id and r.error is not null) as failed
       from attempts a
      where ${current.condition}`,
    current.params,
  );
  for (const row of rows)
    figures.set(row.experiment_id, {
      done: dialect.num(row.done),
      failed: dialect.num(row.failed),
      total: row.total_samples,
      metrics: row.metrics === null ? null : dialect.json<ExperimentMetrics>(row.metrics),
      profile: row.profile === null ? null : dialect.json<OptimizationProfile>(row.profile),
    });
  return figures;
}

/** The SQL condition (on the attempts table, or its `alias`) that picks each experiment's current attempt. */
export function currentAttempts(
  experiments: readonly { id: string; currentAttempt: number }[],
  alias = 'attempts',
): { condition: string; params: unknown[] } {
  return {
    condition: experiments
      .map(() => `(${alias}.experiment_id = ? and ${alias}.number = ?)`)
      .join(' or '),
    params: experiments.flatMap((experiment) => [experiment.id, experiment.currentAttempt]),
  };
}

interface FiguresRow {
  experiment_id: string;
  total_samples: number;
  metrics: unknown;
  profile: unknown;
  done: unknown;
  failed: unknown;
}
