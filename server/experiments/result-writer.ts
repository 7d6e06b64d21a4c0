import type { MikroORM } from '@mikro-orm/sqlite';
import { bulkInsert, jsonValue, type SqlValue } from '../db/bulk-insert.ts';
import { WriteBehind } from '../db/write-behind.ts';
import type { SampleRecord } from '../engine/runner.ts';

export interface ResultWriterOptions {
  /** Flush when this many results are waiting. */
  maxBatch?: number;
  /** Flush at least this often while results are waiting, so a crash loses at most this much work. */
  maxDelayMs?: number;
}

/**
 * Stores sample results in batched transactions. Rows are written in arrival order by one flush at a
 * time; a duplicate (attempt, sample) is ignored, so replaying a sample can never create a second row.
 */
export class ResultWriter {
  private buffer: SampleRecord[] = [];
  /** Records taken from the buffer by the write in progress. */
  private writing = 0;
  private failure: unknown = null;
  private readonly maxBatch: number;
  private readonly writes: WriteBehind;
  private readonly backlogWatchers = new Set<() => void>();

  constructor(
    private readonly orm: MikroORM,
    private readonly attemptId: number,
    options: ResultWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.writes = new WriteBehind(() => this.writeBuffered(), options.maxDelayMs ?? 50, (error) => {
      this.failure ??= error;
    });
  }

  add(record: SampleRecord): void {
    this.buffer.push(record);
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
    const records = this.buffer;
    this.buffer = [];
    if (records.length === 0) return;
    this.writing = records.length;
    const now = Date.now();
    try {
      await bulkInsert(this.orm, {
        table: 'sample_results',
        columns: COLUMNS,
        rows: records.map((record) => toRow(record, this.attemptId, now)),
        onConflict: '(`attempt_id`, `sample_index`) do nothing',
      });
    } finally {
      this.writing = 0;
      for (const watcher of [...this.backlogWatchers]) watcher();
    }
  }
}

/** In the order toRow writes them. */
const COLUMNS = [
  'attempt_id', 'sample_index', 'example_id', 'question', 'expected_answer', 'prompt', 'raw_output',
  'parsed_answer', 'exact_match', 'substring_match', 'correct', 'f1', 'matched_alias',
  'tokens_input', 'tokens_output', 'latency_ms', 'timings', 'cache_hit',
  'cache_tier', 'error', 'retries', 'trace', 'metadata', 'grades', 'failure_mode', 'created_at',
] as const;

function toRow(record: SampleRecord, attemptId: number, createdAt: number): SqlValue[] {
  const { score } = record;
  return [
    attemptId, record.sampleIndex, record.exampleId, record.question, record.expectedAnswer, record.prompt, record.rawOutput,
    record.parsedAnswer, Number(score.exact), Number(score.substring), Number(score.correct), score.f1, score.matchedAlias,
    record.tokensInput, record.tokensOutput, record.latencyMs, jsonValue(record.timings), Number(record.cacheHit),
    record.cacheTier, record.error, record.retries, jsonValue(record.trace), jsonValue(record.metadata),
    jsonValue(record.grades), record.failureMode, createdAt,
  ];
}
