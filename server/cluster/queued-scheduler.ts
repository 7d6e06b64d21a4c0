import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { isTerminalEvent, TERMINAL_STATUSES, type EventBus } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';
import type { AttemptFigures } from '../experiments/attempt-execution.ts';
import type {
  AttemptDispatcher,
  AttemptScheduler,
  QueuedAttempt,
} from '../experiments/scheduler.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../db/orm.ts';

export interface QueuedSchedulerOptions {
  redisUrl: string;
  /** Prefix of the queue's Redis keys and of the control channel. */
  prefix: string;
  /** Adds attempts to the queue (api and all roles). */
  dispatches: boolean;
  /** Takes attempts from the queue and runs them (worker and all roles). */
  works: boolean;
  /** Attempts one worker runs at once. */
  attemptsPerWorker: number;
  /**
   * How long a worker's hold on an attempt lasts without renewal (it renews every half of it). A
   * worker killed outright loses its attempts after this; another resumes them within about 1.5 ×.
   */
  leaseMs: number;
}

interface AttemptJob {
  experimentId: string;
  attemptId: number;
  attemptNumber: number;
}

const QUEUE = 'attempts';
/** A cancelled attempt's worker records CANCELLED within this; past it the command reports a failure. */
const CANCEL_TIMEOUT_MS = 10_000;

/**
 * Attempts dispatched through a BullMQ queue on Redis: API processes add jobs, worker processes take
 * them in FIFO order, each at most `attemptsPerWorker` at a time, and run them with this process's
 * {@link AttemptScheduler}. A job's lock is the worker's lease: a worker that dies stops renewing it,
 * BullMQ's stalled-job check puts the job back, and another worker resumes the attempt from its
 * stored samples (the unique (attempt, sample) key keeps exactly one result per sample even if two
 * overlap). Cancel goes to every worker over a Redis channel; the one running the attempt stops it.
 */
export class QueuedAttemptScheduler implements AttemptDispatcher {
  private readonly queue: Queue<AttemptJob>;
  private worker: Worker<AttemptJob> | null = null;
  private readonly control: { publisher: Redis; subscriber: Redis };
  private readonly channel: string;
  private readonly connection: { url: string; maxRetriesPerRequest: null };
  private closing = false;

  constructor(
    private readonly local: AttemptScheduler,
    private readonly deps: { orm: Database; bus: EventBus; eventStore: EventStore; logger: Logger },
    private readonly options: QueuedSchedulerOptions,
  ) {
    this.connection = { url: options.redisUrl, maxRetriesPerRequest: null };
    const bullPrefix = `${options.prefix}bull`;
    this.queue = new Queue<AttemptJob>(QUEUE, { connection: this.connection, prefix: bullPrefix });
    this.queue.on('error', (error) =>
      deps.logger.warn('queue connection error', { error: error.message }),
    );
    this.channel = `${options.prefix}attempt-control`;
    this.control = {
      publisher: new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
      subscriber: new Redis(options.redisUrl, { maxRetriesPerRequest: null }),
    };
    for (const client of Object.values(this.control))
      client.on('error', (error: Error) =>
        deps.logger.warn('redis connection error', { error: error.message }),
      );
  }

  /** Starts listening for cancel commands and, on a worker, taking jobs. */
  async start(): Promise<void> {
    if (this.options.works) {
      this.control.subscriber.on('message', (_channel: string, experimentId: string) => {
        if (this.local.execution(experimentId)) void this.local.stop(experimentId);
      });
      await this.control.subscriber.subscribe(this.channel);
      this.worker = new Worker<AttemptJob>(QUEUE, (job, token) => this.process(job, token), {
        connection: this.connection,
        prefix: `${this.options.prefix}bull`,
        concurrency: this.options.attemptsPerWorker,
        lockDuration: this.options.leaseMs,
        stalledInterval: Math.max(500, Math.floor(this.options.leaseMs / 2)),
        // A stalled attempt is a crashed worker, not a bad job: always resume it.
        maxStalledCount: 1_000,
      });
      this.worker.on('error', (error) =>
        this.deps.logger.warn('worker connection error', { error: error.message }),
      );
      await this.worker.waitUntilReady();
    }
  }

  async enqueue(item: QueuedAttempt): Promise<void> {
    if (item.apiKey)
      this.deps.logger.warn(
        'a per-run API key is not passed between processes; the worker runs without it',
        { experimentId: item.experimentId },
      );
    await this.queue.add(
      'attempt',
      {
        experimentId: item.experimentId,
        attemptId: item.attemptId,
        attemptNumber: item.attemptNumber,
      },
      { jobId: jobId(item.attemptId), removeOnComplete: true, removeOnFail: true },
    );
  }

  async dequeue(experimentId: string): Promise<boolean> {
    const job = await this.jobOf(experimentId);
    if (!job || (await job.getState()) === 'active') return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // taken by a worker in the meantime
    }
  }

  async stop(experimentId: string): Promise<boolean> {
    const job = await this.jobOf(experimentId);
    if (!job || (await job.getState()) !== 'active') return false;
    const ended = this.whenEnded(experimentId);
    await this.control.publisher.publish(this.channel, experimentId);
    await ended;
    return true;
  }

  runsHere(experimentId: string): boolean {
    return this.local.runsHere(experimentId);
  }

  get running(): number {
    return this.local.running;
  }

  liveFigures(experimentId: string, attemptNumber: number): AttemptFigures | null {
    return this.local.liveFigures(experimentId, attemptNumber);
  }

  /** Puts attempts left RUNNING or QUEUED back in the queue (a job that is still there is kept as is). */
  async recover(): Promise<number> {
    if (!this.options.dispatches) return 0;
    const attempts = await this.deps.orm.em
      .fork()
      .find(
        Attempt,
        { status: { $in: ['RUNNING', 'QUEUED'] } },
        { populate: ['experiment'], orderBy: { createdAt: 'asc' } },
      );
    for (const attempt of attempts)
      await this.enqueue({
        experimentId: attempt.experiment.id,
        attemptId: attempt.id,
        attemptNumber: attempt.number,
      });
    return attempts.length;
  }

  /** Hands running attempts back to the queue at once (another worker resumes them), then closes. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (worker) {
      const closed = worker.close();
      await this.local.shutdown();
      await closed;
    }
    await this.queue.close();
    this.control.publisher.disconnect();
    this.control.subscriber.disconnect();
  }

  idle(): Promise<void> {
    return this.local.idle();
  }

  /** Waiting and running jobs (for metrics). */
  async depth(): Promise<{ waiting: number; active: number }> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed');
    return { waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0), active: counts.active ?? 0 };
  }

  private async process(job: Job<AttemptJob>, token: string | undefined): Promise<void> {
    const { experimentId, attemptId, attemptNumber } = job.data;
    const attempt = await this.deps.orm.em.fork().findOne(Attempt, attemptId);
    if (!attempt || TERMINAL_STATUSES.has(attempt.status)) return; // deleted or already finished
    // This worker numbers the experiment's events from here on, after the last stored one.
    this.deps.bus.continueSequence(
      experimentId,
      await this.deps.eventStore.lastSequenceOf(experimentId),
    );
    this.deps.logger.info('running attempt', { experimentId, attempt: attemptNumber, job: job.id });
    const outcome = await this.local.runNow({ experimentId, attemptId, attemptNumber });
    // Its last events stored before the job is released, so whoever numbers next continues after them.
    await this.deps.eventStore.flush();
    if (outcome === 'shutdown' || this.closing) {
      // Back in the queue now rather than after the lease runs out.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }

  private async jobOf(experimentId: string): Promise<Job<AttemptJob> | undefined> {
    const attempt = await this.deps.orm.em
      .fork()
      .findOne(Attempt, { experiment: experimentId }, { orderBy: { number: 'desc' } });
    if (!attempt) return undefined;
    return (await this.queue.getJob(jobId(attempt.id))) ?? undefined;
  }

  private whenEnded(experimentId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(
            `the worker running experiment ${experimentId} did not stop within ${CANCEL_TIMEOUT_MS} ms`,
          ),
        );
      }, CANCEL_TIMEOUT_MS);
      const stop = this.deps.bus.subscribe(experimentId, (event) => {
        if (isTerminalEvent(event)) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    });
  }
}

const jobId = (attemptId: number) => `attempt-${attemptId}`;
