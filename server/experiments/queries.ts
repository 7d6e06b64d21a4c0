import type { EntityManager } from '@mikro-orm/sqlite';
import type { StoredOutcome } from '../engine/runner.ts';

interface OutcomeRow {
  sample_index: number;
  exact_match: number;
  substring_match: number;
  correct: number;
  f1: number;
  latency_ms: number;
  tokens_input: number;
  tokens_output: number;
  cache_hit: number;
  failed: number;
  timings: string | null;
  grades: string | null;
  failure_mode: string | null;
}

/** The outcomes already stored for an attempt, by sample index (what a resumed attempt must not redo). */
export async function loadStoredOutcomes(em: EntityManager, attemptId: number): Promise<Map<number, StoredOutcome>> {
  const rows = await em.getConnection().execute<OutcomeRow[]>(
    `select sample_index, exact_match, substring_match, correct, f1, latency_ms, tokens_input, tokens_output,
            cache_hit, error is not null as failed, timings, grades, failure_mode
       from sample_results where attempt_id = ?`,
    [attemptId],
  );
  const outcomes = new Map<number, StoredOutcome>();
  for (const row of rows) {
    outcomes.set(row.sample_index, {
      exact: row.exact_match === 1,
      substring: row.substring_match === 1,
      correct: row.correct === 1,
      f1: row.f1,
      latencyMs: row.latency_ms,
      tokensInput: row.tokens_input,
      tokensOutput: row.tokens_output,
      cacheHit: row.cache_hit === 1,
      failed: row.failed === 1,
      timings: row.timings ? (JSON.parse(row.timings) as StoredOutcome['timings']) : null,
      grades: row.grades ? (JSON.parse(row.grades) as StoredOutcome['grades']) : null,
      failureMode: (row.failure_mode ?? null) as StoredOutcome['failureMode'],
    });
  }
  return outcomes;
}

/** Stored results and failures per attempt. */
export async function countResults(
  em: EntityManager,
  attemptIds: readonly number[],
): Promise<Map<number, { done: number; failed: number }>> {
  const counts = new Map<number, { done: number; failed: number }>();
  if (attemptIds.length === 0) return counts;
  const rows = await em.getConnection().execute<{ attempt_id: number; done: number; failed: number }[]>(
    `select attempt_id, count(*) as done, sum(error is not null) as failed
       from sample_results where attempt_id in (${attemptIds.map(() => '?').join(',')}) group by attempt_id`,
    [...attemptIds],
  );
  for (const row of rows) counts.set(row.attempt_id, { done: row.done, failed: row.failed ?? 0 });
  return counts;
}
