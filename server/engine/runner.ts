import { setMaxListeners } from 'node:events';
import { SlotPool } from './slot-pool.ts';
import type { Embedder } from './embeddings/embedder.ts';
import { semanticSimilarity, type ModelGradedMetrics } from './metrics/model-graded.ts';
import {
  contextRelevance,
  faithfulness,
  judgeMessages,
  judgeScore,
  tracePassages,
  type JudgeCall,
  type JudgedSample,
} from './metrics/judged.ts';
import { callJudge, type JudgeTarget } from './metrics/judge-call.ts';
import { cacheKey } from './cache/cache-key.ts';
import { TimeSlice } from './time-slice.ts';
import {
  disabledCacheStats,
  type CacheLookup,
  type CacheTier,
  type ResponseCache,
} from './cache/response-cache.ts';
import type { ExperimentConfig } from './experiment-config.ts';
import { MetricsAccumulator, type SampleOutcome } from './metrics/aggregate.ts';
import { scoreAnswer, type AnswerScore } from './metrics/scoring.ts';
import type {
  AgentStepReport,
  Generation,
  Method,
  MethodContext,
  MethodResult,
} from './methods/method.ts';
import {
  batchingDisabledReason,
  corePhases,
  type BatchStats,
  type OptimizationProfile,
} from './optimization-profile.ts';
import { ConcurrencyGauge, Profiler, SampleClock, round, type SampleTimings } from './profiler.ts';
import { scrubKeyShapes } from '../secrets.ts';
import { failedCallCost } from './providers/provider-error.ts';
import type { ChatMessage, Example, Provider, RequestMetadata, RequestSubject } from './types.ts';
import type { BreakerReport } from './providers/circuit-breaker.ts';
import type { GraderConfig } from './graders/config.ts';
import { failureMode, type FailureMode } from './graders/failure-mode.ts';
import { gradeSample, type GraderResult } from './graders/grade.ts';
import type { RegexSandbox } from './graders/regex-sandbox.ts';
import { GradingAccumulator } from './graders/summary.ts';

export interface PendingSample {
  sampleIndex: number;
  example: Example;
}

/** Everything the engine knows about one finished sample. */
export interface SampleRecord {
  sampleIndex: number;
  exampleId: string;
  question: string;
  expectedAnswer: string;
  /** The messages sent, as JSON text. */
  prompt: string;
  rawOutput: string | null;
  parsedAnswer: string | null;
  score: AnswerScore;
  tokensInput: number;
  tokensOutput: number;
  latencyMs: number;
  timings: SampleTimings | null;
  cacheHit: boolean;
  cacheTier: CacheTier | null;
  error: string | null;
  retries: number;
  trace: unknown;
  /** The example's extra record fields, or null. */
  metadata: Readonly<Record<string, unknown>> | null;
  /** Each grader's verdict (config graders, then the record's own); null when there are none or the sample failed. */
  grades: GraderResult[] | null;
  /** How a wrong or failed sample went wrong; null when it is correct. */
  failureMode: FailureMode | null;
  /** Model-graded metrics of the sample; null when none is configured (or the sample failed). */
  modelMetrics: ModelGradedMetrics | null;
}

/** A sample finished before this runner started (a resumed attempt), as stored. */
export interface StoredOutcome extends SampleOutcome {
  cacheHit: boolean;
  timings: SampleTimings | null;
  grades?: GraderResult[] | null;
  failureMode?: FailureMode | null;
}

export interface RunnerOptions {
  config: ExperimentConfig;
  method: Method;
  provider: Provider;
  /** This attempt's response cache; null when caching is off. */
  cache: ResponseCache | null;
  /** Where requests go, for the cache key (null for the simulator). */
  endpoint: string | null;
  onSample: (record: SampleRecord) => void;
  /** The embedding model of the semanticSimilarity metric; absent when the metric is off. */
  semanticEmbedder?: Embedder | null;
  /** The chat models of the judge-graded metrics; each absent when its metric is off. */
  judges?: ModelJudges | null;
  /** A step of a multi-step method finished (REACT); called as it happens. */
  onAgentStep?: (sampleIndex: number, step: AgentStepReport) => void;
  /** Asked before each sample starts: a promise holds the runner back until storage has caught up. */
  throttle?: () => Promise<void> | null;
  /** Shared by every runner of an app so that together they leave the event loop its turns; a runner of its own by default. */
  timeSlice?: TimeSlice;
  /** Removes keys from error text before it becomes part of a sample (the app's scrubber; key shapes only by default). */
  scrub?: (text: string) => string;
  /** Runs REGEX graders under a time budget; needed when any grader may be a REGEX (config or record graders). */
  regex?: RegexSandbox;
}

/** The judge-graded metrics' models (faithfulness also yields hallucinated). */
export interface ModelJudges {
  faithfulness?: JudgeTarget | null;
  contextRelevance?: JudgeTarget | null;
  judge?: (JudgeTarget & { rubric: string; scale: number }) | null;
}

/** Abort listeners one sample may hold on the run's signal at a time (provider call, permit wait, backoff, tool). */
const LISTENERS_PER_SAMPLE = 3;
/** Samples started per window slot (at work, waiting for a slot, or waiting out a Retry-After). */
const BACKLOG_PER_SLOT = 8;

const NO_SCORE: AnswerScore = {
  exact: false,
  substring: false,
  correct: false,
  f1: 0,
  matchedAlias: null,
};

/**
 * Runs the samples of one attempt through a sliding window: at most `concurrency` samples in flight,
 * a new one starting as soon as any finishes (never fixed groups waiting for their slowest call).
 */
export class AttemptRunner {
  readonly profiler: Profiler;
  readonly gauge = new ConcurrencyGauge();
  readonly metrics = new MetricsAccumulator();
  readonly grading = new GradingAccumulator();
  done = 0;
  failed = 0;
  /** The window of the run in progress: a sample waiting out a Retry-After gives its slot back meanwhile. */
  private slots: SlotPool | null = null;
  private cacheHitsBefore = 0;
  private apiCallsBefore = 0;
  /** Prompts sent to the provider by this runner (a retried prompt counts once). */
  private apiCalls = 0;

  private readonly timeSlice: TimeSlice;

  constructor(private readonly options: RunnerOptions) {
    this.timeSlice = options.timeSlice ?? new TimeSlice();
    this.profiler = new Profiler(
      options.config.optimization.enableProfiling,
      corePhases(options.config.optimization),
    );
  }

  /** Why batching is off although it was asked for, or null. */
  get batchingDisabledReason(): string | null {
    return batchingDisabledReason(this.options.config);
  }

  get batchingActive(): boolean {
    return this.options.config.optimization.enableBatching && this.batchingDisabledReason === null;
  }

  /** The most API calls in flight at once. */
  get concurrency(): number {
    return this.batchingActive ? this.options.config.optimization.batchSize : 1;
  }

  get cacheHits(): number {
    return this.cacheHitsBefore + (this.options.cache?.stats().hits ?? 0);
  }

  /** Counts samples that finished before a restart, so progress, metrics and profile cover the whole attempt. */
  absorb(stored: StoredOutcome): void {
    this.done += 1;
    if (stored.failed) this.failed += 1;
    if (stored.cacheHit) this.cacheHitsBefore += 1;
    else if (!stored.failed) this.apiCallsBefore += 1;
    this.metrics.add(stored);
    this.grading.add(stored.grades ?? null, stored.failureMode ?? null);
    this.profiler.recordSample(stored.timings);
  }

  async run(samples: Iterable<PendingSample>, signal: AbortSignal): Promise<void> {
    // Each call in flight listens to the run's signal until it ends (a provider's wait, a permit, a
    // backoff): up to a few per sample in the window. Node warns past 10, which a batch of 32 reaches
    // legitimately; the allowance stays bounded, so a real leak (listeners that grow with the run) still warns.
    setMaxListeners(LISTENERS_PER_SAMPLE * this.concurrency * BACKLOG_PER_SLOT + 10, signal);
    const slots = new SlotPool(this.concurrency);
    this.slots = slots;
    const running = new Set<Promise<void>>();
    // Feed the window lazily so a 100 000-sample attempt never holds 100 000 pending promises.
    // Samples waiting out a Retry-After stay in this set without holding a slot, so it holds more than the window.
    const backlog = this.concurrency * BACKLOG_PER_SLOT;
    // Woken by each finished task; Promise.race over the running set would add a handler to every task per sample.
    let slotFreed: () => void = () => {};
    for (const sample of samples) {
      if (signal.aborted) break;
      await this.timeSlice.takeTurn();
      const storageBehind = this.options.throttle?.();
      if (storageBehind) await storageBehind;
      const task: Promise<void> = (async () => {
        await slots.acquire();
        try {
          await this.runSample(sample, signal);
        } finally {
          slots.release();
        }
      })().finally(() => {
        running.delete(task);
        slotFreed();
      });
      running.add(task);
      while (running.size >= backlog) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    await Promise.all(running);
  }

  profile(totalWallTimeMs: number): OptimizationProfile {
    const { config } = this.options;
    const apiCalls = this.apiCallsBefore + this.apiCalls;
    return {
      totalWallTimeMs: round(totalWallTimeMs),
      profilingEnabled: this.profiler.enabled,
      profilingSummary: this.profiler.summary(),
      cacheStats: this.cacheStats(),
      batchStats: this.batchStats(apiCalls),
      apiCalls,
      warnings: [
        ...(config.optimization.enableCaching && config.hyperparameters.temperature > 0
          ? [
              'caching is on at temperature > 0: a cache hit replays one sampled response instead of drawing a new one',
            ]
          : []),
        ...breakerWarnings(this.options.provider.breakerReport?.() ?? null),
      ],
      concurrencyChanges: this.options.provider.concurrencyChanges?.(this.concurrency) ?? [],
    };
  }

  private cacheStats() {
    const stats = this.options.cache?.stats() ?? disabledCacheStats();
    if (!this.options.cache) return stats;
    const hits = stats.hits + this.cacheHitsBefore;
    const lookups = hits + stats.misses + this.apiCallsBefore;
    return {
      ...stats,
      hits,
      misses: lookups - hits,
      hitRate: lookups === 0 ? 0 : round(hits / lookups, 4),
    };
  }

  private batchStats(apiCalls: number): BatchStats {
    const active = this.batchingActive;
    return {
      enabled: active,
      batchSize: this.concurrency,
      batchesProcessed: active ? Math.ceil(apiCalls / this.concurrency) : 0,
      totalPromptsBatched: active ? apiCalls : 0,
      peakConcurrency: this.gauge.peak,
      meanConcurrency: round(this.gauge.mean()),
      disabledReason: this.batchingDisabledReason,
    };
  }

  private async runSample(sample: PendingSample, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const record = await this.evaluate(sample, signal);
    if (!record) return;
    this.done += 1;
    if (record.error) this.failed += 1;
    this.metrics.add({
      ...record.score,
      latencyMs: record.latencyMs,
      tokensInput: record.tokensInput,
      tokensOutput: record.tokensOutput,
      failed: record.error !== null,
      ...(record.modelMetrics ? gradedOutcome(record.modelMetrics) : {}),
    });
    this.grading.add(record.grades, record.failureMode);
    this.profiler.recordSample(record.timings);
    this.options.onSample(record);
  }

  /** Returns null when the sample was interrupted by cancellation or shutdown (it will be re-run, not recorded). */
  private async evaluate(
    { sampleIndex, example }: PendingSample,
    signal: AbortSignal,
  ): Promise<SampleRecord | null> {
    const clock = new SampleClock();
    const usage = {
      calls: 0,
      hits: 0,
      lastTier: null as CacheTier | null,
      tokensInput: 0,
      tokensOutput: 0,
      retries: 0,
    };
    const context: MethodContext = {
      signal,
      time: (phase, work) => clock.time(phase, work),
      reportStep: (step) => this.options.onAgentStep?.(sampleIndex, step),
      generate: async (messages, metadata) => {
        const subject = { dataset: this.options.config.datasetName, exampleId: example.id };
        const generation = await this.generate(messages, metadata, clock, signal, subject).catch(
          (error: unknown) => {
            usage.retries += failedCallCost(error).retries;
            throw error;
          },
        );
        const { completion } = generation;
        usage.calls += 1;
        if (generation.cacheTier) usage.hits += 1;
        usage.lastTier = generation.cacheTier;
        usage.tokensInput += completion.tokensInput;
        usage.tokensOutput += completion.tokensOutput;
        usage.retries += completion.retries ?? 0;
        return generation;
      },
    };
    const base = {
      sampleIndex,
      exampleId: example.id,
      question: example.question,
      expectedAnswer: example.answer,
      metadata: example.metadata ?? null,
    };
    let result: MethodResult;
    try {
      result = await this.options.method.solve(example, context);
    } catch (error) {
      if (signal.aborted) return null;
      return {
        ...base,
        prompt: '[]',
        rawOutput: null,
        parsedAnswer: null,
        score: NO_SCORE,
        tokensInput: usage.tokensInput,
        tokensOutput: usage.tokensOutput,
        latencyMs: clock.elapsedMs(),
        timings: this.profiler.enabled ? clock.timings : null,
        cacheHit: false,
        cacheTier: null,
        error: errorMessage(error, this.options.scrub),
        retries: usage.retries,
        trace: null,
        grades: null,
        failureMode: 'ERROR',
        modelMetrics: null,
      };
    }
    const score = await clock.time('metrics', () => scoreAnswer(result.parsedAnswer, example));
    const grades = await clock.time('metrics', () =>
      this.grade(result.parsedAnswer, example, context),
    );
    const modelMetrics = await this.gradeByModel(
      {
        question: example.question,
        answer: result.parsedAnswer,
        example,
        passages: tracePassages(result.trace),
      },
      clock,
      signal,
    );
    const cacheHit = usage.calls > 0 && usage.hits === usage.calls;
    return {
      ...base,
      prompt: JSON.stringify(result.messages),
      rawOutput: result.rawOutput,
      parsedAnswer: result.parsedAnswer,
      score,
      tokensInput: usage.tokensInput,
      tokensOutput: usage.tokensOutput,
      latencyMs: clock.elapsedMs(),
      timings: this.profiler.enabled ? clock.timings : null,
      cacheHit,
      cacheTier: cacheHit ? usage.lastTier : null,
      error: null,
      retries: usage.retries,
      trace: result.trace,
      grades,
      failureMode: failureMode({
        error: null,
        correct: score.correct,
        parsedAnswer: result.parsedAnswer,
        rawOutput: result.rawOutput,
      }),
      modelMetrics,
    };
  }

  /** The experiment's graders and the record's own; null when there are none. A judge call goes through the cache and provider like any other. */
  private async grade(
    answer: string,
    example: Example,
    context: MethodContext,
  ): Promise<GraderResult[] | null> {
    const graders: readonly GraderConfig[] = this.options.config.graders ?? [];
    if (graders.length === 0 && example.metadata?.graders === undefined) return null;
    return gradeSample(
      graders,
      { answer, example },
      {
        regex: (pattern, input) => {
          if (!this.options.regex)
            return Promise.resolve({ error: 'no regex sandbox was given to this runner' });
          return this.options.regex.test(pattern, input);
        },
        judge: async (messages, request) =>
          (
            await context.generate(messages, {
              method: 'NAIVE',
              question: request.question,
              judge: { rubric: request.rubric, answer: request.answer },
            })
          ).completion.text,
      },
    );
  }

  /** The model-graded metrics a sample has configured; a metric that fails is null with its reason, and the sample keeps the rest. */
  private async gradeByModel(
    sample: JudgedSample,
    clock: SampleClock,
    signal: AbortSignal,
  ): Promise<ModelGradedMetrics | null> {
    const embedder = this.options.semanticEmbedder;
    const judges = this.options.judges ?? {};
    if (!embedder && !judges.faithfulness && !judges.contextRelevance && !judges.judge) return null;
    const metrics: ModelGradedMetrics = {};
    const failed = (error: unknown) => {
      if (signal.aborted) throw error;
      return errorMessage(error, this.options.scrub);
    };
    // The metrics are independent: their calls go out together, each timed as its own phase.
    const tasks: Promise<void>[] = [];
    if (embedder)
      tasks.push(
        clock
          .time('semantic_similarity', () =>
            semanticSimilarity(embedder, sample.answer, sample.example, signal),
          )
          .then(
            (value) => {
              metrics.semanticSimilarity = value;
            },
            (error: unknown) => {
              metrics.semanticSimilarity = null;
              metrics.semanticSimilarityError = failed(error);
            },
          ),
      );
    if (judges.faithfulness) {
      const call = this.judgeCall(judges.faithfulness, sample, signal);
      tasks.push(
        clock
          .time('faithfulness', () => faithfulness(sample, call))
          .then(
            ({ value }) => {
              metrics.faithfulness = value.faithfulness;
              metrics.hallucinated = value.hallucinated;
            },
            (error: unknown) => {
              metrics.faithfulness = null;
              metrics.hallucinated = null;
              metrics.faithfulnessError = failed(error);
            },
          ),
      );
    }
    if (judges.contextRelevance) {
      const call = this.judgeCall(judges.contextRelevance, sample, signal);
      tasks.push(
        clock
          .time('context_relevance', () => contextRelevance(sample, call))
          .then(
            ({ value }) => {
              metrics.contextRelevance = value;
            },
            (error: unknown) => {
              metrics.contextRelevance = null;
              metrics.contextRelevanceError = failed(error);
            },
          ),
      );
    }
    const judge = judges.judge;
    if (judge) {
      metrics.judgePrompt = JSON.stringify(judgeMessages(sample, judge.rubric, judge.scale));
      const call = this.judgeCall(judge, sample, signal, (text) => {
        metrics.judgeReply = text;
      });
      tasks.push(
        clock
          .time('judge', () => judgeScore(sample, judge, call))
          .then(
            ({ value }) => {
              metrics.judge = value.score;
              metrics.judgeRaw = value.raw;
            },
            (error: unknown) => {
              metrics.judge = null;
              metrics.judgeRaw = null;
              metrics.judgeError = failed(error);
            },
          ),
      );
    }
    // A metric that fails while the run is being stopped rethrows: the sample is re-run, not recorded.
    const outcomes = await Promise.allSettled(tasks);
    if (signal.aborted || outcomes.some((outcome) => outcome.status === 'rejected')) return null;
    return metrics;
  }

  /** A judge call of one sample, through this attempt's cache, counted as an API call when it reaches the provider. */
  private judgeCall(
    target: JudgeTarget,
    sample: JudgedSample,
    signal: AbortSignal,
    onReply?: (text: string) => void,
  ): JudgeCall {
    const slots = this.slots;
    return async (messages, metadata) => {
      const reply = await callJudge(
        target,
        this.options.cache,
        {
          messages,
          metadata,
          subject: { dataset: this.options.config.datasetName, exampleId: sample.example.id },
          seed: this.options.config.hyperparameters.seed,
          signal,
        },
        {
          onProviderCall: () => {
            this.apiCalls += 1;
          },
          onTheWire: { begin: () => this.gauge.enter(), end: () => this.gauge.exit() },
          whileWaiting: slots ? (wait) => slots.whileWaiting(wait) : undefined,
        },
      );
      onReply?.(reply.text);
      return reply;
    };
  }

  /** One model call: cache lookup (memory tier, persistent tier, then identical calls in flight), else the provider. */
  private async generate(
    messages: ChatMessage[],
    metadata: RequestMetadata,
    clock: SampleClock,
    signal: AbortSignal,
    subject: RequestSubject,
  ): Promise<Generation> {
    const { cache, config, provider, method, endpoint } = this.options;
    const onTheWire = { begin: () => this.gauge.enter(), end: () => this.gauge.exit() };
    const slots = this.slots;
    const whileWaiting = slots
      ? <T>(wait: () => Promise<T>) => slots.whileWaiting(wait)
      : undefined;
    const request = {
      model: config.modelName,
      messages,
      params: config.hyperparameters,
      metadata,
      signal,
      onTheWire,
      subject,
      whileWaiting,
    };
    const callProvider = async () => {
      this.apiCalls += 1;
      const start = performance.now();
      const completion = await provider.complete(request);
      return { completion, latencyMs: performance.now() - start };
    };
    const timedCall = async (call: () => Promise<CacheLookup>) => {
      const start = performance.now();
      const lookup = await call();
      // Waiting out rate limits is not API time: it gets a phase of its own.
      const waited = lookup.tier === null ? (lookup.completion.rateLimitWaitMs ?? 0) : 0;
      clock.add('api_call', performance.now() - start - waited);
      if (waited > 0) clock.add('rate_limit_wait', waited);
      return { completion: lookup.completion, cacheTier: lookup.tier };
    };
    if (!cache)
      return timedCall(async () => ({ completion: (await callProvider()).completion, tier: null }));
    const { key, hit } = await clock.time('cache_lookup', async () => {
      const key = cacheKey({
        providerKind: provider.kind,
        endpoint,
        model: config.modelName,
        messages,
        params: config.hyperparameters,
        methodVersion: method.version,
        ...(provider.kind === 'SIMULATED' ? { dataset: subject.dataset } : {}),
      });
      return { key, hit: await cache.lookup(key) };
    });
    if (hit) return { completion: hit.completion, cacheTier: hit.tier };
    return timedCall(() => cache.fetchOnce(key, callProvider));
  }
}

/** The model-graded part of a sample's outcome, for the aggregates. */
function gradedOutcome(metrics: ModelGradedMetrics): Partial<SampleOutcome> {
  const { semanticSimilarity, faithfulness, hallucinated, contextRelevance, judge } = metrics;
  return Object.fromEntries(
    Object.entries({
      semanticSimilarity,
      faithfulness,
      hallucinated,
      contextRelevance,
      judge,
    }).filter(([, value]) => value !== undefined),
  );
}

export function errorMessage(
  error: unknown,
  scrub: (text: string) => string = scrubKeyShapes,
): string {
  const text = scrub(error instanceof Error ? error.message : String(error));
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** The circuit breaker's part of the profile: its state, how often it opened, the calls it spared, the time lost. */
function breakerWarnings(report: BreakerReport | null): string[] {
  if (!report || (report.opened === 0 && report.fastFailures === 0 && report.state === 'CLOSED'))
    return [];
  return [
    `circuit breaker ${report.state}: opened ${report.opened} time(s), ${report.fastFailures} call(s) failed at once without a request, ` +
      `${report.timeLostMs} ms lost to connection failures (last: ${report.lastFailure ?? 'none'})`,
  ];
}
