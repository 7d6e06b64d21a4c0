import type { MikroORM } from '@mikro-orm/sqlite';
import { bulkInsert, jsonValue, type SqlValue } from '../db/bulk-insert.ts';
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
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly attemptId: number,
    options: ResultWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 50;
  }

  add(record: SampleRecord): void {
    this.buffer.push(record);
    if (this.buffer.length >= this.maxBatch) this.schedule(0);
    else this.schedule(this.maxDelayMs);
  }

  /** Writes everything added so far; rejects if any write failed. */
  async flush(): Promise<void> {
    this.clearTimer();
    this.enqueueWrite();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.enqueueWrite();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private enqueueWrite(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(() => this.write(rows)).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  private async write(records: SampleRecord[]): Promise<void> {
    const now = Date.now();
    await bulkInsert(this.orm, {
      table: 'sample_results',
      columns: COLUMNS,
      rows: records.map((record) => toRow(record, this.attemptId, now)),
      onConflict: '(`attempt_id`, `sample_index`) do nothing',
    });
  }
}

/** In the order toRow writes them. */
const COLUMNS = [
  'attempt_id', 'sample_index', 'example_id', 'question', 'expected_answer', 'prompt', 'raw_output',
  'parsed_answer', 'exact_match', 'substring_match', 'correct', 'f1', 'matched_alias',
  'tokens_input', 'tokens_output', 'latency_ms', 'timings', 'cache_hit',
  'cache_tier', 'error', 'retries', 'trace', 'created_at',
] as const;

function toRow(record: SampleRecord, attemptId: number, createdAt: number): SqlValue[] {
  const { score } = record;
  return [
    attemptId, record.sampleIndex, record.exampleId, record.question, record.expectedAnswer, record.prompt, record.rawOutput,
    record.parsedAnswer, Number(score.exact), Number(score.substring), Number(score.correct), score.f1, score.matchedAlias,
    record.tokensInput, record.tokensOutput, record.latencyMs, jsonValue(record.timings), Number(record.cacheHit),
    record.cacheTier, record.error, record.retries, jsonValue(record.trace), createdAt,
  ];
}
