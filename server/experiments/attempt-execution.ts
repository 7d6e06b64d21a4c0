import type { Database } from '../db/orm.ts';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { ResponseCache, type PersistentCacheStore } from '../engine/cache/response-cache.ts';
import {
  DEFAULTS,
  type ExperimentConfig,
  type ModelEndpointConfig,
} from '../engine/experiment-config.ts';
import type { JudgeTarget } from '../engine/metrics/judge-call.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { EmbeddingCache } from '../engine/embeddings/embedder.ts';
import { createEmbedder } from '../engine/embeddings/index.ts';
import { createMethod, type RetrievalServices } from '../engine/methods/index.ts';
import { MemoryVectorIndexStore, type VectorIndexStore } from '../engine/retrieval/vector-index.ts';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import type { ProviderCredentials } from '../engine/providers/credentials.ts';
import type { ConcurrencyWindows } from '../engine/providers/adaptive-limiter.ts';
import type { BreakerRegistry } from '../engine/providers/circuit-breaker.ts';
import { createProvider, providerEndpoint } from '../engine/providers/index.ts';
import {
  AttemptRunner,
  type ModelJudges,
  type PendingSample,
  type SampleRecord,
} from '../engine/runner.ts';
import type { Provider } from '../engine/types.ts';
import type { EventBus, ExperimentEvent } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';
import { logEvent } from '../log-events.ts';
import type { Logger } from '../logger.ts';
import type { SecretScrubber } from '../secrets.ts';
import type { TimeSlice } from '../engine/time-slice.ts';
import { loadStoredOutcomes } from './queries.ts';
import { REGEX_BUDGET_MS, RegexSandbox } from '../engine/graders/regex-sandbox.ts';
import type { EndStatus, ExperimentLifecycle } from './lifecycle.ts';
import { ResultWriter, type StoredSample } from './result-writer.ts';

export interface ExecutionDeps {
  orm: Database;
  datasets: DatasetRegistry;
  bus: EventBus;
  /**
   * Gives the result writer the events to store with its samples, and is told when it has stored
   * (or lost) them.
   */
  eventStore: EventStore;
  logger: Logger;
  /** How often progress events may be published while samples stream in. */
  progressIntervalMs: number;
  /** Provider keys from the server environment. */
  credentials?: ProviderCredentials;
  /** The persistent response-cache tier shared by every experiment; none means memory-only caching. */
  responseCache?: PersistentCacheStore;
  /** The app's secret scrubber: keys in use are registered with it, error text passes through it. */
  secrets: SecretScrubber;
  /** Concurrency windows of remote endpoints: the app's own, or in a cluster shared by every worker. */
  limiters: ConcurrencyWindows;
  /** Circuit breakers of remote endpoints, shared by the app's attempts. */
  breakers: BreakerRegistry;
  /** The event-loop time slice every runner of the app shares. */
  timeSlice: TimeSlice;
  /** Owns every status change: the execution reports start and end through it. */
  lifecycle: ExperimentLifecycle;
  /** Where vector indexes of knowledge bases live (sqlite-vec in the database file); none: in memory, per run. */
  vectors?: VectorIndexStore;
  /** Embedding vectors already computed, shared by every run of the app. */
  embeddingCache?: EmbeddingCache;
}

/** Results a run may produce ahead of the disk; beyond it the runner waits (memory stays flat with N). */
const MAX_UNWRITTEN_RESULTS = 500;

/** How long live metrics and profile computed for one read serve the next ones. */
export const LIVE_FIGURES_MAX_AGE_MS = 100;

interface LiveFiguresCache {
  at: number;
  metrics: ExperimentMetrics | null;
  profile: OptimizationProfile | null;
}

/** Why a run stopped before its last sample. */
export type StopReason = 'cancel' | 'shutdown' | 'too-many-failures';

/**
 * The figures of an attempt, wherever they come from: a running execution computes them from its
 * runner, an ended attempt reads its stored row. Metrics and profile are computed on demand (a
 * progress read must not sort every latency).
 */
export interface AttemptFigures {
  progress(): Progress | Promise<Progress>;
  metrics(): ExperimentMetrics | null;
  profile(): OptimizationProfile | null;
}

export interface Progress {
  done: number;
  total: number;
  failed: number;
}

/**
 * One attempt being executed: it plans the pending samples (skipping those already stored, so an
 * interrupted attempt resumes), runs them, streams results to storage and to the event bus, and
 * records the final status, metrics and profile.
 */
export class AttemptExecution {
  private readonly abort = new AbortController();
  private runner: AttemptRunner | null = null;
  private segmentStart = 0;
  private wallTimeBefore = 0;
  private total = 0;
  private lastProgressAt = 0;
  private stopReason: StopReason | null = null;
  /** Set once the outcome is stored: from then on the stored figures are the truth. */
  private finished = false;
  private figuresCache: LiveFiguresCache | null = null;
  /** Samples whose results are committed (stored before this run included): what progress reports. */
  private readonly stored = { done: 0, failed: 0, cacheHits: 0 };

  constructor(
    readonly experimentId: string,
    readonly attemptId: number,
    readonly attemptNumber: number,
    private readonly deps: ExecutionDeps,
    /** This run's API key, held in memory only; null when none was given or after a restart. */
    private readonly apiKey: string | null = null,
  ) {
    this.writer = new ResultWriter(
      deps.orm,
      attemptId,
      (seq) => deps.eventStore.takeBefore(experimentId, seq),
      (batch, events, committed) => this.onStored(batch, events, committed),
    );
  }

  /** Why the run stopped early, if it did (a worker hands a 'shutdown' attempt back to the queue). */
  get stoppedBy(): StopReason | null {
    return this.stopReason;
  }

  stop(reason: StopReason): void {
    this.stopReason ??= reason;
    this.abort.abort(
      new Error(
        reason === 'cancel'
          ? 'cancelled'
          : reason === 'shutdown'
            ? 'server shutting down'
            : 'too many samples failed',
      ),
    );
  }

  /** Live figures while running; null before the runner is ready and once the outcome is stored. */
  liveFigures(): AttemptFigures | null {
    const runner = this.runner;
    if (!runner || this.finished) return null;
    const now = performance.now();
    // Many viewers polling a fast run would each sort every latency and phase timing: figures
    // computed less than LIVE_FIGURES_MAX_AGE_MS ago are shared instead.
    const cached = this.figuresCache;
    const fresh = cached !== null && now - cached.at < LIVE_FIGURES_MAX_AGE_MS;
    if (!fresh) this.figuresCache = { at: now, metrics: null, profile: null };
    const cache = this.figuresCache as LiveFiguresCache;
    const wall = this.wallTimeMs();
    return {
      // Progress counts committed results only: after a crash, what it reported is what is on disk.
      progress: () => ({ done: this.stored.done, failed: this.stored.failed, total: this.total }),
      metrics: () =>
        (cache.metrics ??= {
          ...runner.metrics.result(wall, this.price()),
          grading: runner.grading.result(),
        }),
      profile: () => (cache.profile ??= runner.profile(wall)),
    };
  }

  async execute(): Promise<void> {
    const em = this.deps.orm.em.fork();
    const attempt = await em.findOneOrFail(Attempt, this.attemptId, {
      populate: ['experiment', 'sampleIndices'],
    });
    const experiment = attempt.experiment;
    const config = experiment.config;
    this.config = config;
    this.total = attempt.totalSamples;
    this.wallTimeBefore = attempt.wallTimeMs;
    try {
      const dataset = this.dataset(config, attempt.datasetHash);
      const runner = this.createRunner(config, attempt.runKey);
      const stored = await loadStoredOutcomes(em, this.attemptId);
      for (const outcome of stored.values()) {
        runner.absorb(outcome);
        this.countStored(outcome.failed, outcome.cacheHit);
      }
      await this.deps.lifecycle.start(attempt.id);
      this.runner = runner;
      this.segmentStart = performance.now();
      await runner.run(pendingSamples(attempt.sampleIndices, stored, dataset), this.abort.signal);
      await this.writer.flush();
      if (this.failureReason) await this.finish(attempt, 'FAILED', this.failureReason);
      else await this.finish(attempt, this.stopReason === 'cancel' ? 'CANCELLED' : 'COMPLETED');
    } catch (error) {
      this.deps.logger.error('attempt failed', {
        experimentId: this.experimentId,
        attempt: this.attemptNumber,
        error,
      });
      // Results finished before the failure are stored, and with them the events before the end.
      await this.writer.flush().catch(() => undefined);
      await this.finish(
        attempt,
        'FAILED',
        this.deps.secrets.scrub(error instanceof Error ? error.message : String(error)),
      );
    } finally {
      await this.regex.close();
    }
  }

  /** REGEX graders run here, in a worker started on first use and stopped with the attempt. */
  private readonly regex = new RegexSandbox(REGEX_BUDGET_MS);

  private config: ExperimentConfig | null = null;
  private readonly writer: ResultWriter;

  /** A finished sample goes to the live stream at once, and to storage with its event. */
  private onSample(record: SampleRecord): void {
    this.writer.add(record, this.publishSample(record));
    if (record.error) this.checkFailures(record.error);
  }

  /** Why the run failed as a whole (more failed samples than its failureThreshold allows), once known. */
  private failureReason: string | null = null;

  /** Ends the run FAILED as soon as more samples failed than the threshold allows: the rest cannot save it. */
  private checkFailures(lastError: string): void {
    const runner = this.runner;
    if (!runner || this.failureReason || this.stopReason) return;
    const threshold = this.config?.failureThreshold ?? DEFAULTS.failureThreshold;
    if (runner.failed <= threshold * this.total) return;
    const breaker = this.provider?.breakerReport?.() ?? null;
    const cause =
      breaker && breaker.state !== 'CLOSED'
        ? `the provider's circuit breaker is ${breaker.state}: ${breaker.lastFailure ?? lastError}`
        : `last error: ${lastError}`;
    this.failureReason = this.deps.secrets.scrub(
      `${runner.failed} of ${this.total} samples failed, more than the failureThreshold of ${Math.round(threshold * 100)} %; ${cause}`,
    );
    this.stop('too-many-failures');
  }

  private provider: Provider | null = null;

  private onStored(
    batch: readonly StoredSample[],
    events: readonly ExperimentEvent[],
    committed: boolean,
  ): void {
    this.deps.eventStore.written(events, committed);
    if (!committed) return;
    for (const { record } of batch) this.countStored(record.error !== null, record.cacheHit);
    this.publishProgress(false);
  }

  private countStored(failed: boolean, cacheHit: boolean): void {
    this.stored.done += 1;
    if (failed) this.stored.failed += 1;
    if (cacheHit) this.stored.cacheHits += 1;
  }

  /** Holds the runner back while more results wait for the disk than memory should hold. */
  private storageCatchUp(): Promise<void> | null {
    if (this.writer.backlog <= MAX_UNWRITTEN_RESULTS) return null;
    return this.writer.whenBacklogAtMost(MAX_UNWRITTEN_RESULTS / 2);
  }

  private dataset(config: ExperimentConfig, expectedHash: string): Dataset {
    const dataset = this.deps.datasets.get(config.datasetName);
    if (!dataset) throw new Error(`dataset "${config.datasetName}" is no longer registered`);
    if (dataset.contentHash !== expectedHash) {
      throw new Error(
        `dataset "${config.datasetName}" changed since this attempt was planned; run the experiment again`,
      );
    }
    return dataset;
  }

  private createRunner(config: ExperimentConfig, startedWithRunKey: boolean): AttemptRunner {
    this.provider = createProvider(config.provider, this.providerLayers(startedWithRunKey));
    const semantic = config.metrics?.semanticSimilarity ?? null;
    return new AttemptRunner({
      semanticEmbedder: semantic ? createEmbedder(semantic, this.retrievalServices().models) : null,
      judges: this.judges(config, startedWithRunKey),
      config,
      method: createMethod(
        config.reasoningMethod,
        this.deps.datasets,
        config,
        this.retrievalServices(),
      ),
      provider: this.provider,
      cache: config.optimization.enableCaching
        ? new ResponseCache(config.optimization.cacheMaxSize, this.deps.responseCache ?? null)
        : null,
      endpoint: providerEndpoint(config.provider),
      onSample: (record) => this.onSample(record),
      throttle: () => this.storageCatchUp(),
      timeSlice: this.deps.timeSlice,
      scrub: this.deps.secrets.scrub,
      regex: this.regex,
      onAgentStep: (sampleIndex, step) =>
        this.deps.bus.publish(this.experimentId, this.attemptNumber, {
          type: 'AgentStepCompleted',
          sampleIndex,
          step,
        }),
    });
  }

  /** What every provider of this attempt is built with: keys, the app's windows, breakers and scrubber. */
  private providerLayers(startedWithRunKey: boolean) {
    return {
      oracle: this.deps.datasets,
      credentials: this.deps.credentials,
      apiKey: this.apiKey,
      runKeyLost: startedWithRunKey && !this.apiKey,
      limiters: this.deps.limiters,
      breakers: this.deps.breakers,
      secrets: this.deps.secrets,
    };
  }

  /** The chat models of the judge-graded metrics, each with the app's retry, limiter and breaker layers. */
  private judges(config: ExperimentConfig, startedWithRunKey: boolean): ModelJudges {
    const target = (endpoint: ModelEndpointConfig | null | undefined) =>
      endpoint
        ? {
            provider: createProvider(endpoint.provider, this.providerLayers(startedWithRunKey)),
            model: endpoint.model,
            endpoint: providerEndpoint(endpoint.provider),
          }
        : null;
    const judge = config.metrics?.judge;
    return {
      faithfulness: target(config.metrics?.faithfulness),
      contextRelevance: target(config.metrics?.contextRelevance),
      judge: judge
        ? { ...(target(judge) as JudgeTarget), rubric: judge.rubric, scale: judge.scale }
        : null,
    };
  }

  private retrievalServices(): RetrievalServices {
    return {
      vectors: this.deps.vectors ?? new MemoryVectorIndexStore(),
      models: {
        cache: this.deps.embeddingCache ?? null,
        credentials: this.deps.credentials,
        apiKey: this.apiKey,
        limiters: this.deps.limiters,
        secrets: this.deps.secrets,
      },
    };
  }

  private async finish(
    attempt: Attempt,
    status: EndStatus,
    error: string | null = null,
  ): Promise<void> {
    // The run ends when its last result is stored, not after the bookkeeping below.
    const wallTimeMs = this.wallTimeMs();
    // However it ends, its responses are stored before it does: a cache count or a clearCache right
    // after, from the API thread, must find every response the run made.
    await this.deps.responseCache?.flush();
    const summary = {
      experimentId: this.experimentId,
      attempt: this.attemptNumber,
      done: this.stored.done,
      total: this.total,
    };
    if (this.stopReason === 'shutdown' && status !== 'FAILED') {
      // Stays RUNNING: the next start resumes it.
      await this.deps.lifecycle.interrupted(attempt.id, wallTimeMs);
      logEvent(this.deps.logger, 'info', 'attempt.interrupted', 'attempt interrupted', {
        ...summary,
        status: 'RUNNING',
      });
      return;
    }
    const figures = this.runner
      ? {
          metrics: {
            ...this.runner.metrics.result(wallTimeMs, this.price()),
            grading: this.runner.grading.result(),
          },
          profile: this.runner.profile(wallTimeMs),
        }
      : {};
    await this.deps.lifecycle.finish(attempt.id, { status, error, wallTimeMs, ...figures }, () => {
      logEvent(this.deps.logger, 'info', 'attempt.finished', 'attempt finished', {
        ...summary,
        status,
      });
      this.publishProgress(true);
      this.finished = true;
    });
  }

  private publishSample(record: SampleRecord): ExperimentEvent {
    const { prompt: _prompt, trace: _trace, ...sample } = record;
    return this.deps.bus.publish(this.experimentId, this.attemptNumber, {
      type: 'SampleCompleted',
      sample,
    });
  }

  private publishProgress(force: boolean): void {
    const runner = this.runner;
    if (!runner) return;
    const now = performance.now();
    const { done, failed, cacheHits } = this.stored;
    if (!force && now - this.lastProgressAt < this.deps.progressIntervalMs && done < this.total)
      return;
    this.lastProgressAt = now;
    logEvent(this.deps.logger, 'debug', 'attempt.progress', 'progress', {
      experimentId: this.experimentId,
      attempt: this.attemptNumber,
      done,
      total: this.total,
    });
    const wallSeconds = this.wallTimeMs() / 1000;
    this.deps.bus.publish(this.experimentId, this.attemptNumber, {
      type: 'ExperimentProgress',
      done,
      total: this.total,
      failed,
      hitRate: done === 0 ? 0 : cacheHits / done,
      throughput: wallSeconds > 0 ? done / wallSeconds : 0,
    });
  }

  private wallTimeMs(): number {
    return (
      this.wallTimeBefore + (this.segmentStart === 0 ? 0 : performance.now() - this.segmentStart)
    );
  }

  private price() {
    const pricing = this.config?.pricing;
    return pricing
      ? {
          inputPerMillion: pricing.inputPerMillionTokens,
          outputPerMillion: pricing.outputPerMillionTokens,
        }
      : null;
  }
}

function* pendingSamples(
  sampleIndices: readonly number[],
  stored: ReadonlyMap<number, unknown>,
  dataset: Dataset,
): Generator<PendingSample> {
  for (let sampleIndex = 0; sampleIndex < sampleIndices.length; sampleIndex++) {
    if (stored.has(sampleIndex)) continue;
    yield { sampleIndex, example: dataset.at(sampleIndices[sampleIndex] as number) };
  }
}
