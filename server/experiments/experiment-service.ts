import { randomUUID } from 'node:crypto';
import type { EntityData } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/knex';
import { sqlDialect } from '../db/dialect.ts';
import { findById, hydrate } from '../db/find-by-id.ts';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { PromptVersion } from '../db/entities/prompt-version.entity.ts';
import { datasetMetadataFields } from '../engine/prompts/template.ts';
import { buildManifest, manifestHash, readBuildInfo } from './run-manifest.ts';
import { ExperimentEventRow } from '../db/entities/experiment-event.entity.ts';
import { Experiment, type ExperimentStatus } from '../db/entities/experiment.entity.ts';
import { SampleResult } from '../db/entities/sample-result.entity.ts';
import {
  DEFAULTS,
  validateExperimentInput,
  type ExperimentInput,
} from '../engine/experiment-config.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import { validateRunKey } from '../engine/providers/credentials.ts';
import { sampleIndices } from '../engine/datasets/sampling.ts';
import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { TERMINAL_STATUSES } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';
import { ExperimentReads } from './experiment-reads.ts';
import type { AttemptFigures, Progress } from './attempt-execution.ts';
import type { ExperimentLifecycle } from './lifecycle.ts';
import type { AttemptDispatcher } from './scheduler.ts';

export interface ExperimentFilter {
  status?: ExperimentStatus | null;
  method?: string | null;
  /** Case-insensitive substring of the model name. */
  model?: string | null;
}

export interface Page<T> {
  nodes: T[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export type { Progress } from './attempt-execution.ts';

const ACTIVE: readonly ExperimentStatus[] = ['QUEUED', 'RUNNING'];
export const MAX_PAGE_SIZE = 100;
export const MAX_SAMPLE_PAGE_SIZE = 1000;

export interface RunOptions {
  /** An API key for this run only: held in memory, never stored, logged or returned. */
  apiKey?: string | null;
}

export interface SampleQuery {
  attempt?: number | null;
  first: number;
  after?: string | null;
  correct?: boolean | null;
  failed?: boolean | null;
}

/**
 * The commands on experiments — create, run (a new attempt each time), cancel, delete — and the
 * reads that combine stored state with the live state of running attempts. Every status change
 * goes through the {@link ExperimentLifecycle}.
 */
export class ExperimentService {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Batched reads, one set per operation's EntityManager fork. */
  private readonly reads = new WeakMap<EntityManager, ExperimentReads>();
  /** The version and commit every run manifest names. */
  private readonly build = readBuildInfo();

  constructor(
    private readonly datasets: DatasetRegistry,
    private readonly scheduler: AttemptDispatcher,
    private readonly lifecycle: ExperimentLifecycle,
    private readonly events: EventStore,
  ) {}

  async create(em: EntityManager, input: ExperimentInput): Promise<Experiment> {
    const promptRef = input.config?.prompt;
    const storedPrompt =
      typeof promptRef?.name === 'string' && typeof promptRef.version === 'number'
        ? await em.findOne(PromptVersion, {
            name: promptRef.name.trim(),
            version: promptRef.version,
          })
        : null;
    const { name, description, config } = validateExperimentInput(
      input,
      (dataset) => this.datasets.get(dataset) !== undefined,
      (knowledgeBase) => this.datasets.knowledgeBases.get(knowledgeBase) !== undefined,
      {
        promptTemplate: (promptName, version) =>
          storedPrompt && storedPrompt.name === promptName && storedPrompt.version === version
            ? storedPrompt.template
            : undefined,
        metadataFields: (dataset) => datasetMetadataFields(this.datasets.get(dataset)),
      },
    );
    const experiment = em.create(Experiment, {
      id: randomUUID(),
      name,
      description,
      config,
      method: config.reasoningMethod,
      modelName: config.modelName,
      datasetName: config.datasetName,
    });
    await em.flush();
    this.lifecycle.created(experiment);
    return experiment;
  }

  async launch(
    em: EntityManager,
    input: ExperimentInput,
    options: RunOptions = {},
  ): Promise<Experiment> {
    validateRunKey(options.apiKey, input.config?.provider?.kind ?? DEFAULTS.providerKind);
    const experiment = await this.create(em, input);
    return this.run(em, experiment.id, options);
  }

  /** Queues a new attempt. Refused while the experiment is queued or running. */
  run(em: EntityManager, id: string, options: RunOptions = {}): Promise<Experiment> {
    return this.exclusive(id, async () => {
      const experiment = await this.getOrFail(em, id);
      const apiKey = validateRunKey(options.apiKey, experiment.config.provider.kind);
      if (ACTIVE.includes(experiment.status)) {
        throw new ConflictError(`experiment ${id} is already ${experiment.status.toLowerCase()}`);
      }
      const dataset = this.datasets.get(experiment.datasetName);
      if (!dataset)
        throw new ValidationError(
          'config.datasetName',
          `dataset "${experiment.datasetName}" is no longer registered`,
        );
      const { numSamples, hyperparameters } = experiment.config;
      const indices = sampleIndices(dataset.size, numSamples, hyperparameters.seed);
      const manifest = buildManifest(
        experiment.config,
        dataset.contentHash,
        this.datasets,
        this.build,
      );
      const attempt = em.create(Attempt, {
        manifest,
        manifestHash: manifestHash(manifest),
        experiment,
        number: experiment.currentAttempt + 1,
        datasetHash: dataset.contentHash,
        sampleIndices: indices,
        totalSamples: indices.length,
        runKey: apiKey !== null,
      });
      await this.lifecycle.queue(em, experiment, attempt);
      await this.scheduler.enqueue({
        experimentId: id,
        attemptId: attempt.id,
        attemptNumber: attempt.number,
        apiKey,
      });
      return experiment;
    });
  }

  /** Stops dispatching, aborts calls in flight, keeps finished samples; the attempt ends CANCELLED. */
  cancel(em: EntityManager, id: string): Promise<Experiment> {
    return this.exclusive(id, async () => {
      const experiment = await this.getOrFail(em, id);
      if (!ACTIVE.includes(experiment.status)) {
        throw new ConflictError(
          `experiment ${id} is ${experiment.status.toLowerCase()}, not queued or running`,
        );
      }
      const stoppedRunning = await this.scheduler.stop(id);
      if (!stoppedRunning) await this.cancelQueued(em, experiment);
      await em.refresh(experiment);
      return experiment;
    });
  }

  /** Deletes the experiment with all its attempts and results, stopping it first if it runs. */
  delete(em: EntityManager, id: string): Promise<boolean> {
    return this.exclusive(id, async () => {
      const experiment = await this.getOrFail(em, id);
      await this.scheduler.dequeue(id);
      await this.scheduler.stop(id);
      const attemptIds = (await em.find(Attempt, { experiment: id }, { fields: ['id'] })).map(
        (a) => a.id,
      );
      await em.transactional(async (tx) => {
        if (attemptIds.length > 0)
          await tx.nativeDelete(SampleResult, { attempt: { $in: attemptIds } });
        await tx.nativeDelete(ExperimentEventRow, { experiment: id });
        await tx.nativeDelete(Attempt, { experiment: id });
        await tx.nativeDelete(Experiment, { id });
      });
      em.clear();
      this.events.discard(experiment.id);
      this.lifecycle.deleted(experiment.id);
      return true;
    });
  }

  get(em: EntityManager, id: string): Promise<Experiment | null> {
    return findById(em, Experiment, id);
  }

  async getOrFail(em: EntityManager, id: string): Promise<Experiment> {
    // No stored id holds a NUL (names and ids with one are refused), and PostgreSQL text cannot carry one.
    if (id.includes('\u0000')) throw new NotFoundError('Experiment', id);
    const experiment = await this.get(em, id);
    if (!experiment) throw new NotFoundError('Experiment', id);
    return experiment;
  }

  async list(
    em: EntityManager,
    filter: ExperimentFilter,
    first: number,
    after: string | null,
  ): Promise<Page<Experiment>> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new ValidationError('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    // Plain SQL, not em.count/em.find: the dashboard and scripts list experiments several times a
    // second, and MikroORM's query builder cost more CPU than the query itself (node --cpu-prof).
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (filter.status) {
      conditions.push('status = ?');
      values.push(filter.status);
    }
    if (filter.method) {
      conditions.push('method = ?');
      values.push(filter.method);
    }
    // A literal substring: LIKE would read % and _ in the filter as wildcards.
    if (filter.model) {
      conditions.push(`${sqlDialect(em).position('lower(model_name)')} > 0`);
      values.push(filter.model.toLowerCase());
    }
    const connection = em.getConnection('read');
    const whereOf = (extra: string[]) =>
      extra.length === 0
        ? ''
        : ` where ${extra.map((condition) => `(${condition})`).join(' and ')}`;
    const page = (where: string[], counted: boolean) =>
      `select *${counted ? ', count(*) over () as total_count' : ''} from experiments${whereOf(where)}` +
      ' order by created_at desc, id desc limit ?';
    const cursor = after ? decodeCursor(after) : null;
    let found: (EntityData<Experiment> & { total_count?: unknown })[];
    let totalCount: number;
    if (!cursor) {
      // The first page and the count in one statement (a window count sees every filtered row before
      // the limit): one read instead of two for the dashboard's and every poller's list.
      found = await connection.execute(page(conditions, true), [...values, first + 1]);
      totalCount = sqlDialect(em).num(found[0]?.total_count ?? 0);
    } else {
      const [counted] = await connection.execute<{ count: unknown }[]>(
        `select count(*) as count from experiments${whereOf(conditions)}`,
        values,
      );
      totalCount = sqlDialect(em).num(counted?.count);
      found = await connection.execute(
        page([...conditions, '(created_at < ? or (created_at = ? and id < ?))'], false),
        [...values, cursor.createdAt, cursor.createdAt, cursor.id, first + 1],
      );
    }
    const rows = found.map(({ total_count: _count, ...row }) =>
      hydrate(em, Experiment, row as EntityData<Experiment>),
    );
    const nodes = rows.slice(0, first);
    const last = nodes.at(-1);
    return {
      nodes,
      totalCount,
      hasNextPage: rows.length > first,
      endCursor: last ? encodeCursor(last) : null,
    };
  }

  /** One page of an attempt's sample results, in sample order (the current attempt by default). */
  async samples(
    em: EntityManager,
    experiment: Experiment,
    query: SampleQuery,
  ): Promise<Page<SampleResult>> {
    if (!Number.isInteger(query.first) || query.first < 1 || query.first > MAX_SAMPLE_PAGE_SIZE) {
      throw new ValidationError('first', `must be between 1 and ${MAX_SAMPLE_PAGE_SIZE}`);
    }
    const number = query.attempt ?? experiment.currentAttempt;
    const attempt = await em.findOne(Attempt, { experiment: experiment.id, number });
    if (!attempt) return { nodes: [], totalCount: 0, hasNextPage: false, endCursor: null };
    const where: FilterQuery<SampleResult> = { attempt: attempt.id };
    if (query.correct != null) where.correct = query.correct;
    if (query.failed != null) where.error = query.failed ? { $ne: null } : null;
    const totalCount = await em.count(SampleResult, where);
    const after = query.after == null ? -1 : decodeSampleCursor(query.after);
    const rows = await em.find(
      SampleResult,
      { ...where, sampleIndex: { $gt: after } },
      { orderBy: { sampleIndex: 'asc' }, limit: query.first + 1 },
    );
    const nodes = rows.slice(0, query.first);
    const last = nodes.at(-1);
    return {
      nodes,
      totalCount,
      hasNextPage: rows.length > query.first,
      endCursor: last ? Buffer.from(String(last.sampleIndex)).toString('base64url') : null,
    };
  }

  currentAttempt(em: EntityManager, experiment: Experiment): Promise<Attempt | null> {
    if (experiment.currentAttempt === 0) return Promise.resolve(null);
    return this.readsFor(em).currentAttempt.load(experiment);
  }

  attempts(em: EntityManager, experiment: Experiment): Promise<Attempt[]> {
    return em.find(Attempt, { experiment: experiment.id }, { orderBy: { number: 'asc' } });
  }

  async progress(em: EntityManager, experiment: Experiment): Promise<Progress> {
    const figures = await this.currentFigures(em, experiment);
    if (figures) return figures.progress();
    const size = this.datasets.get(experiment.datasetName)?.size ?? experiment.config.numSamples;
    return { done: 0, total: Math.min(size, experiment.config.numSamples), failed: 0 };
  }

  /** Live while running, stored once the attempt ended, null before the first run. */
  async metrics(em: EntityManager, experiment: Experiment): Promise<ExperimentMetrics | null> {
    return (await this.currentFigures(em, experiment))?.metrics() ?? null;
  }

  async profile(em: EntityManager, experiment: Experiment): Promise<OptimizationProfile | null> {
    return (await this.currentFigures(em, experiment))?.profile() ?? null;
  }

  /**
   * The one place that decides where the current attempt's figures come from: the running
   * execution while it runs, else the stored attempt; null before the first run.
   */
  private async currentFigures(
    em: EntityManager,
    experiment: Experiment,
  ): Promise<AttemptFigures | null> {
    const live = this.liveFigures(experiment);
    if (live) return live;
    if (experiment.currentAttempt === 0) return null;
    const stored = await this.readsFor(em).currentFigures.load(experiment);
    if (!stored) return null;
    const { done, failed, total, metrics, profile } = stored;
    return {
      progress: () => ({ done, failed, total }),
      metrics: () => metrics,
      profile: () => profile,
    };
  }

  /** The running execution's figures; none once the stored status is terminal. */
  private liveFigures(experiment: Experiment): AttemptFigures | null {
    // Once the stored status is terminal the stored figures are final; a run in the engine thread may
    // still have a live snapshot here until its terminal event arrives.
    return TERMINAL_STATUSES.has(experiment.status)
      ? null
      : this.scheduler.liveFigures(experiment.id, experiment.currentAttempt);
  }

  private readsFor(em: EntityManager): ExperimentReads {
    let reads = this.reads.get(em);
    if (!reads) {
      reads = new ExperimentReads(em);
      this.reads.set(em, reads);
    }
    return reads;
  }

  private async cancelQueued(em: EntityManager, experiment: Experiment): Promise<void> {
    await this.scheduler.dequeue(experiment.id);
    await this.lifecycle.cancelQueued(em, experiment, await this.currentAttempt(em, experiment));
  }

  /** Serialises commands on one experiment, so a double click cannot start two attempts. */
  private exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(id, next);
    const release = () => {
      if (this.locks.get(id) === next) this.locks.delete(id);
    };
    next.then(release, release);
    return next;
  }
}

function encodeCursor(experiment: Experiment): string {
  return Buffer.from(JSON.stringify([experiment.createdAt.toISOString(), experiment.id])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      string,
      string,
    ];
    const date = new Date(createdAt);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { createdAt: date, id };
  } catch {
    throw new ValidationError('after', 'is not a cursor returned by this API');
  }
}

function decodeSampleCursor(cursor: string): number {
  const index = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(index) || index < 0)
    throw new ValidationError('after', 'is not a cursor returned by this API');
  return index;
}
