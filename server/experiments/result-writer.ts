import type { Database } from '../db/orm.ts';
import { bulkInsert, jsonValue, type SqlValue } from '../db/bulk-insert.ts';
import { WriteBehind } from '../db/write-behind.ts';
import type { SampleRecord } from '../engine/runner.ts';
import type { ExperimentEvent } from '../events/event-bus.ts';
import { insertEvents } from '../events/event-store.ts';

export interface ResultWriterOptions {
  /** Flush when this many results are waiting. */
  maxBatch?: number;
  /** Flush at least this often while results are waiting, so a crash loses at most this much work. */
  maxDelayMs?: number;
}

/** A finished sample and the SampleCompleted event announcing it, stored together. */
export interface StoredSample {
  record: SampleRecord;
  event: ExperimentEvent;
}

/**
 * Stores sample results in batched transactions, each result with its SampleCompleted event in the
 * same transaction: after any crash the event log has exactly one SampleCompleted per stored result
 * and none for a lost one. The experiment's other events published before the batch's last sample
 * and not yet stored join the transaction, so the log never has a hole below a stored event. Rows
 * are written in arrival order by one flush at a time; a resumed attempt never re-runs a stored
 * sample, and a duplicate (attempt, sample) is ignored besides.
 */
export class ResultWriter {
  private buffer: StoredSample[] = [];
  /** Records taken from the buffer by the write in progress. */
  private writing = 0;
  private failure: unknown = null;
  private readonly maxBatch: number;
  private readonly writes: WriteBehind;
  private readonly backlogWatchers = new Set<() => void>();

  constructor(
    private readonly orm: Database,
    private readonly attemptId: number,
    /** Takes the experiment's unstored events before `seq` from the event store, to write them here. */
    private readonly takeEventsBefore: (seq: number) => Promise<readonly ExperimentEvent[]>,
    /**
     * Called after each write with its batch and every event it wrote (the batch's SampleCompleted
     * ones and those taken): committed, or lost with its transaction.
     */
    private readonly onSettled: (
      batch: readonly StoredSample[],
      events: readonly ExperimentEvent[],
      committed: boolean,
    ) => void,
    options: ResultWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.writes = new WriteBehind(
      () => this.writeBuffered(),
      options.maxDelayMs ?? 50,
      (error) => {
        this.failure ??= error;
      },
    );
  }

  add(record: SampleRecord, event: ExperimentEvent): void {
    this.buffer.push({ record, event });
    this.writes.schedule(this.buffer.length >= this.maxBatch);
  }

  /** Results added but not yet written. */
  get backlog(): number {
    return this.buffer.length + this.writing;
  }

  /** Resolves once at most `count` results wait to be written (lets the producer slow to the disk's pace). */
  whenBacklogAtMost(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.backlog > count && !this.failure) return;
        this.backlogWatchers.delete(check);
        resolve();
      };
      this.backlogWatchers.add(check);
      check();
    });
  }

  /** Writes everything added so far; rejects if any write failed. */
  async flush(): Promise<void> {
    await this.writes.flush().catch(() => undefined);
    if (this.failure) throw this.failure;
  }

  private async writeBuffered(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    this.writing = batch.length;
    const now = new Date();
    let events = batch.map(({ event }) => event);
    try {
      const last = (batch.at(-1) as StoredSample).event.seq;
      events = [...(await this.takeEventsBefore(last)), ...events];
      await this.orm.em
        .getConnection()
        .getKnex()
        .transaction(async (trx) => {
          await bulkInsert(
            this.orm,
            {
              table: 'sample_results',
              columns: COLUMNS,
              rows: batch.map(({ record }) => toRow(record, this.attemptId, now)),
              onConflict: '(attempt_id, sample_index) do nothing',
            },
            trx,
          );
          await insertEvents(this.orm, events, trx);
        });
      this.onSettled(batch, events, true);
    } catch (error) {
      this.onSettled(batch, events, false);
      throw error;
    } finally {
      this.writing = 0;
      for (const watcher of [...this.backlogWatchers]) watcher();
    }
  }
}

/** In the order toRow writes them. */
const COLUMNS = [
  'attempt_id',
  'sample_index',
  'example_id',
  'question',
  'expected_answer',
  'prompt',
  'raw_output',
  'parsed_answer',
  'exact_match',
  'substring_match',
  'correct',
  'f1',
  'matched_alias',
  'tokens_input',
  'tokens_output',
  'latency_ms',
  'timings',
  'cache_hit',
  'cache_tier',
  'error',
  'retries',
  'trace',
  'metadata',
  'grades',
  'failure_mode',
  'model_metrics',
  'created_at',
] as const;

function toRow(record: SampleRecord, attemptId: number, createdAt: Date): SqlValue[] {
  const { score } = record;
  return [
    attemptId,
    record.sampleIndex,
    record.exampleId,
    record.question,
    record.expectedAnswer,
    record.prompt,
    record.rawOutput,
    record.parsedAnswer,
    score.exact,
    score.substring,
    score.correct,
    score.f1,
    score.matchedAlias,
    record.tokensInput,
    record.tokensOutput,
    record.latencyMs,
    jsonValue(record.timings),
    record.cacheHit,
    record.cacheTier,
    record.error,
    record.retries,
    jsonValue(record.trace),
    jsonValue(record.metadata),
    jsonValue(record.grades),
    record.failureMode,
    jsonValue(record.modelMetrics),
    createdAt,
  ];
}
