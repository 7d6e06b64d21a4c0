import { Attempt } from '../db/entities/attempt.entity.ts';
import { AttemptExecution, type AttemptFigures, type ExecutionDeps } from './attempt-execution.ts';

export interface QueuedAttempt {
  experimentId: string;
  attemptId: number;
  attemptNumber: number;
  /** A per-run API key: held here and by the execution only, never stored. */
  apiKey?: string | null;
}

/**
 * What the experiment service asks of whoever runs attempts: this process's scheduler, or the
 * cluster's job queue (server/cluster). Both keep the same promises: FIFO order, a bound on attempts
 * at once, cancel that reaches the running attempt, and resume of interrupted attempts.
 */
export interface AttemptDispatcher {
  /** Queues an attempt; resolves once it is durably queued. */
  enqueue(item: QueuedAttempt): void | Promise<void>;
  /** Takes a queued (not yet running) attempt off the queue; true if it was there. */
  dequeue(experimentId: string): boolean | Promise<boolean>;
  /** Stops a running attempt wherever it runs and waits until it has recorded its end; false if none ran. */
  stop(experimentId: string): Promise<boolean>;
  /** Whether an attempt of the experiment runs in this process now (its samples count in this process's /metrics). */
  runsHere(experimentId: string): boolean;
  /** Attempts running in this process now. */
  readonly running: number;
  /** The figures of the given attempt while it runs in this process; null otherwise (read the stored ones). */
  liveFigures(experimentId: string, attemptNumber: number): AttemptFigures | null;
  recover(): Promise<number>;
  shutdown(): Promise<void>;
  idle(): Promise<void>;
}

/**
 * Runs queued attempts, at most `maxConcurrent` at a time, in the order they were queued.
 * Attempts interrupted by a crash or shutdown are found again by {@link recover} and resume.
 */
export class AttemptScheduler implements AttemptDispatcher {
  private readonly queue: QueuedAttempt[] = [];
  private readonly active = new Map<string, { execution: AttemptExecution; done: Promise<void> }>();
  private accepting = true;

  constructor(
    private readonly deps: ExecutionDeps,
    private readonly maxConcurrent: number,
  ) {}

  enqueue(item: QueuedAttempt): void {
    if (!this.accepting) return;
    this.queue.push(item);
    this.pump();
  }

  /**
   * Runs an attempt now, beside the queue (a cluster worker's job); resolves when it ends, with
   * 'shutdown' when it was interrupted and must be resumed elsewhere.
   */
  async runNow(item: QueuedAttempt): Promise<'ended' | 'shutdown'> {
    const execution = new AttemptExecution(
      item.experimentId,
      item.attemptId,
      item.attemptNumber,
      this.deps,
      item.apiKey ?? null,
    );
    const done = execution.execute();
    this.active.set(item.experimentId, { execution, done: done.catch(() => undefined) });
    try {
      await done;
    } finally {
      if (this.active.get(item.experimentId)?.execution === execution)
        this.active.delete(item.experimentId);
    }
    return execution.stoppedBy === 'shutdown' ? 'shutdown' : 'ended';
  }

  /** Attempts running now. */
  get running(): number {
    return this.active.size;
  }

  /** Every execution running now. */
  executions(): AttemptExecution[] {
    return [...this.active.values()].map((entry) => entry.execution);
  }

  runsHere(experimentId: string): boolean {
    return this.active.has(experimentId);
  }

  /** The running execution of an experiment, if any. */
  execution(experimentId: string): AttemptExecution | undefined {
    return this.active.get(experimentId)?.execution;
  }

  /** Live figures of the experiment's attempt `attemptNumber` while it runs here; null otherwise. */
  liveFigures(experimentId: string, attemptNumber: number): AttemptFigures | null {
    const execution = this.active.get(experimentId)?.execution;
    return execution?.attemptNumber === attemptNumber ? execution.liveFigures() : null;
  }

  /** Takes a queued attempt off the queue; true if it was there. */
  dequeue(experimentId: string): boolean {
    const index = this.queue.findIndex((item) => item.experimentId === experimentId);
    if (index === -1) return false;
    this.queue.splice(index, 1);
    return true;
  }

  /** Stops a running attempt (its finished samples are kept) and waits until it has recorded its end. */
  async stop(experimentId: string): Promise<boolean> {
    const entry = this.active.get(experimentId);
    if (!entry) return false;
    entry.execution.stop('cancel');
    await entry.done;
    return true;
  }

  /** Queues every attempt that was running or queued when the server last stopped, running ones first. */
  async recover(): Promise<number> {
    return (await this.recoverAttempts()).length;
  }

  /** {@link recover}, resolving with the attempts queued again. */
  async recoverAttempts(): Promise<QueuedAttempt[]> {
    const em = this.deps.orm.em.fork();
    const attempts = await em.find(
      Attempt,
      { status: { $in: ['RUNNING', 'QUEUED'] } },
      { populate: ['experiment'], orderBy: { createdAt: 'asc' } },
    );
    const ordered = [
      ...attempts.filter((a) => a.status === 'RUNNING'),
      ...attempts.filter((a) => a.status === 'QUEUED'),
    ];
    const items = ordered.map((attempt) => ({
      experimentId: attempt.experiment.id,
      attemptId: attempt.id,
      attemptNumber: attempt.number,
    }));
    for (const item of items) {
      this.deps.logger.info('resuming attempt', {
        experimentId: item.experimentId,
        attempt: item.attemptNumber,
      });
      this.enqueue(item);
    }
    return items;
  }

  /**
   * Stops dispatching, lets in-flight work end (aborted calls are not recorded), and waits until every
   * finished sample is stored. Interrupted attempts stay RUNNING or QUEUED and resume on the next start.
   */
  async shutdown(): Promise<void> {
    this.accepting = false;
    this.queue.length = 0;
    const running = [...this.active.values()];
    for (const entry of running) entry.execution.stop('shutdown');
    await Promise.all(running.map((entry) => entry.done));
  }

  /** Resolves when nothing is running or queued (used by tests and the benchmark). */
  async idle(): Promise<void> {
    while (this.active.size > 0)
      await Promise.all([...this.active.values()].map((entry) => entry.done));
  }

  private pump(): void {
    while (this.accepting && this.active.size < this.maxConcurrent && this.queue.length > 0) {
      const next = this.queue.shift() as QueuedAttempt;
      if (this.active.has(next.experimentId)) continue;
      const execution = new AttemptExecution(
        next.experimentId,
        next.attemptId,
        next.attemptNumber,
        this.deps,
        next.apiKey ?? null,
      );
      const done = execution
        .execute()
        .catch((error: unknown) =>
          this.deps.logger.error('attempt crashed', { experimentId: next.experimentId, error }),
        )
        .finally(() => {
          this.active.delete(next.experimentId);
          this.pump();
        });
      this.active.set(next.experimentId, { execution, done });
    }
  }
}
