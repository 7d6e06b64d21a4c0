import type { EntityManager } from '@mikro-orm/knex';
import { sqlDialect } from '../db/dialect.ts';
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

/**
 * Stored results and failures of each experiment's current attempt, keyed by experiment id. By
 * experiment and attempt number rather than attempt id, so it needs no earlier read of the attempts
 * and runs beside it. On the read connection: on SQLite the write connection is busy with the
 * running attempts' result batches, and a query counting there waited behind all of them.
 */
export async function countCurrentResults(
  em: EntityManager,
  experiments: readonly { id: string; currentAttempt: number }[],
): Promise<Map<string, { done: number; failed: number }>> {
  const counts = new Map<string, { done: number; failed: number }>();
  if (experiments.length === 0) return counts;
  const dialect = sqlDialect(em);
  const rows = await em
    .getConnection('read')
    .execute<{ experiment_id: string; done: unknown; failed: unknown }[]>(
      `select a.experiment_id, count(*) as done, sum(${dialect.countIf('r.error is not null')}) as failed
       from sample_results r join attempts a on a.id = r.attempt_id
       where ${experiments.map(() => '(a.experiment_id = ? and a.number = ?)').join(' or ')}
       group by a.experiment_id`,
      experiments.flatMap((experiment) => [experiment.id, experiment.currentAttempt]),
    );
  for (const row of rows)
    counts.set(row.experiment_id, { done: dialect.num(row.done), failed: dialect.num(row.failed) });
  return counts;
}
