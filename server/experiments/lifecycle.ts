import type { EntityManager } from '@mikro-orm/knex';
import type { Database } from '../db/orm.ts';
import { Attempt } from '../db/entities/attempt.entity.ts';
import type { Experiment, ExperimentStatus } from '../db/entities/experiment.entity.ts';
import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';

/** Where each status may go. Anything else is a bug, refused before a row changes. */
const NEXT: Readonly<Record<ExperimentStatus, readonly ExperimentStatus[]>> = {
  PENDING: ['QUEUED'],
  // A queued attempt can fail before it runs (its dataset changed) or be cancelled.
  QUEUED: ['RUNNING', 'CANCELLED', 'FAILED'],
  // RUNNING → RUNNING: an attempt interrupted by a restart resumes.
  RUNNING: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'],
  COMPLETED: ['QUEUED'],
  FAILED: ['QUEUED'],
  CANCELLED: ['QUEUED'],
};

export type EndStatus = 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface AttemptOutcome {
  status: EndStatus;
  error: string | null;
  wallTimeMs: number;
  /** Final figures; absent when the attempt ended before it ran. */
  metrics?: ExperimentMetrics;
  profile?: OptimizationProfile;
}

/** A transition the table above does not allow: a bug in the caller, never a user error. */
export class IllegalTransitionError extends Error {
  constructor(what: string, from: ExperimentStatus, to: ExperimentStatus) {
    super(`illegal ${what} transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * The one owner of every status change of experiments and attempts. Each transition checks that it
 * is legal, changes the rows, commits them, and only then publishes what happened: the
 * ExperimentStatusChanged event (numbered and stored by the bus) and the experimentsChanged notice.
 * Creation and deletion announce themselves here too. Nothing else writes a status.
 */
export class ExperimentLifecycle {
  constructor(
    private readonly orm: Database,
    private readonly bus: EventBus,
    private readonly events: EventStore,
  ) {}

  /** A new experiment was stored (PENDING). */
  created(experiment: Experiment): void {
    this.bus.publishChange({
      experimentId: experiment.id,
      change: 'CREATED',
      status: experiment.status,
      at: now().toISOString(),
    });
  }

  /** A new attempt (already created in `em`) becomes current and waits in the queue. */
  async queue(em: EntityManager, experiment: Experiment, attempt: Attempt): Promise<void> {
    move('experiment', experiment, 'QUEUED');
    experiment.currentAttempt = attempt.number;
    experiment.error = null;
    experiment.startedAt = null;
    experiment.completedAt = null;
    await em.flush();
    await this.continueNumbering(experiment.id);
    this.announce(experiment.id, attempt.number, 'QUEUED', null);
    // Stored before a worker elsewhere takes the attempt, so that its numbering continues after this event.
    if (this.bus.deliversOnStore) await this.events.flush();
  }

  /** The scheduler started (or, after a restart, resumed) the attempt. */
  async start(attemptId: number): Promise<void> {
    const em = this.orm.em.fork();
    const attempt = await em.findOneOrFail(Attempt, attemptId, { populate: ['experiment'] });
    move('attempt', attempt, 'RUNNING');
    move('experiment', attempt.experiment, 'RUNNING');
    attempt.startedAt ??= now();
    attempt.experiment.error = null;
    attempt.experiment.startedAt = attempt.startedAt;
    attempt.experiment.completedAt = null;
    await em.flush();
    this.announce(attempt.experiment.id, attempt.number, 'RUNNING', null);
  }

  /**
   * The attempt ended; its final figures are stored with its status. `stored` runs once the rows are
   * committed and before the status is announced (the execution's last progress event goes there).
   */
  async finish(
    attemptId: number,
    outcome: AttemptOutcome,
    stored: () => void = () => undefined,
  ): Promise<void> {
    const em = this.orm.em.fork();
    const attempt = await em.findOneOrFail(Attempt, attemptId, { populate: ['experiment'] });
    move('attempt', attempt, outcome.status);
    move('experiment', attempt.experiment, outcome.status);
    const at = now();
    attempt.wallTimeMs = outcome.wallTimeMs;
    attempt.error = outcome.error;
    attempt.completedAt = at;
    if (outcome.metrics) attempt.metrics = outcome.metrics;
    if (outcome.profile) attempt.profile = outcome.profile;
    attempt.experiment.error = outcome.error;
    attempt.experiment.completedAt = at;
    await em.flush();
    stored();
    this.announce(attempt.experiment.id, attempt.number, outcome.status, outcome.error);
  }

  /** The server stopped under a running attempt: no status change (it resumes RUNNING), only the time it ran. */
  async interrupted(attemptId: number, wallTimeMs: number): Promise<void> {
    const em = this.orm.em.fork();
    const attempt = await em.findOneOrFail(Attempt, attemptId);
    attempt.wallTimeMs = wallTimeMs;
    await em.flush();
  }

  /** A queued attempt (not yet dispatched) is cancelled. */
  async cancelQueued(
    em: EntityManager,
    experiment: Experiment,
    attempt: Attempt | null,
  ): Promise<void> {
    const at = now();
    move('experiment', experiment, 'CANCELLED');
    experiment.completedAt = at;
    if (attempt) {
      move('attempt', attempt, 'CANCELLED');
      attempt.completedAt = at;
    }
    await em.flush();
    await this.continueNumbering(experiment.id);
    this.announce(experiment.id, experiment.currentAttempt, 'CANCELLED', null);
  }

  /** The experiment and everything of it were deleted. */
  deleted(experimentId: string): void {
    this.bus.forget(experimentId);
    this.bus.publishChange({
      experimentId,
      change: 'DELETED',
      status: null,
      at: now().toISOString(),
    });
  }

  /** In a cluster other processes number this experiment's events too: continue after the last stored one. */
  private async continueNumbering(experimentId: string): Promise<void> {
    if (!this.bus.deliversOnStore) return;
    const stored = await this.events.lastSequenceOf(experimentId);
    this.bus.continueSequence(experimentId, Math.max(stored, this.bus.lastSeqOf(experimentId)));
  }

  private announce(
    experimentId: string,
    attempt: number,
    status: ExperimentStatus,
    error: string | null,
  ): void {
    const event = this.bus.publish(experimentId, attempt, {
      type: 'ExperimentStatusChanged',
      status,
      error,
    });
    this.bus.publishChange({ experimentId, change: 'STATUS_CHANGED', status, at: event.at });
  }
}

function move(
  what: 'experiment' | 'attempt',
  row: { status: ExperimentStatus },
  to: ExperimentStatus,
): void {
  if (!NEXT[row.status].includes(to)) throw new IllegalTransitionError(what, row.status, to);
  row.status = to;
}

function now(): Date {
  return new Date();
}
