import type { MikroORM } from '@mikro-orm/sqlite';
import { SampleResult } from '../db/entities/sample-result.entity.ts';
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
    const em = this.orm.em.fork();
    const now = new Date();
    // SQLite allows 32 766 bound parameters per statement; 24 columns × 1000 rows stays well below.
    for (let i = 0; i < records.length; i += 1000) {
      const rows = records.slice(i, i + 1000).map((record) => toRow(record, this.attemptId, now));
      await em.createQueryBuilder(SampleResult).insert(rows).onConflict(['attempt', 'sampleIndex']).ignore().execute();
    }
  }
}

function toRow(record: SampleRecord, attemptId: number, createdAt: Date) {
  return {
    attempt: attemptId,
    sampleIndex: record.sampleIndex,
    exampleId: record.exampleId,
    question: record.question,
    expectedAnswer: record.expectedAnswer,
    prompt: record.prompt,
    rawOutput: record.rawOutput,
    parsedAnswer: record.parsedAnswer,
    exactMatch: record.score.exact,
    substringMatch: record.score.substring,
    correct: record.score.correct,
    f1: record.score.f1,
    matchedAlias: record.score.matchedAlias,
    tokensInput: record.tokensInput,
    tokensOutput: record.tokensOutput,
    latencyMs: record.latencyMs,
    timings: record.timings,
    cacheHit: record.cacheHit,
    cacheTier: record.cacheTier,
    error: record.error,
    retries: record.retries,
    trace: record.trace,
    createdAt,
  };
}
