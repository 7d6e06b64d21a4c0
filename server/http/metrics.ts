import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import type {
  ConcurrencyWindow,
  ConcurrencyWindows,
} from '../engine/providers/adaptive-limiter.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { FanOut, FanOutStats } from '../events/fan-out.ts';
import type { AttemptDispatcher } from '../experiments/scheduler.ts';
import type { QueryExecution } from './shared-queries.ts';

export interface MetricsSources {
  bus: EventBus;
  scheduler: AttemptDispatcher;
  /** Attempts waiting and running in the cluster's queue; absent in a single process. */
  queueDepth?: () => Promise<{ waiting: number; active: number }>;
  /** The metrics of this process's engine thread, when it has one (its provider calls), as JSON. */
  engineThread?: () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  /** Event subscribers grouped by selection. */
  fanOut?: FanOut;
}

/**
 * The process's Prometheus metrics, in a registry of its own (two apps in one process share none).
 * Sample figures are counted where the sample ran: by the process whose attempt published the event.
 */
export function createMetrics(
  sources: MetricsSources,
  registry = new Registry(),
): {
  registry: Registry;
  render(): Promise<string>;
  contentType: string;
  countQueryExecution(kind: QueryExecution): void;
} {
  collectDefaultMetrics({ register: registry, prefix: 'llmforge_process_' });
  const samples = new Counter({
    name: 'llmforge_samples_total',
    help: 'Samples finished in this process',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'llmforge_cache_hits_total',
    help: 'Samples answered from a cache tier',
    labelNames: ['tier'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'llmforge_retries_total',
    help: 'Provider call retries of finished samples',
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'llmforge_tokens_total',
    help: 'Tokens of finished samples',
    labelNames: ['direction'],
    registers: [registry],
  });
  const phases = new Histogram({
    name: 'llmforge_phase_seconds',
    help: 'Time per sample phase (profiling on)',
    labelNames: ['phase'],
    buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'llmforge_events_total',
    help: 'Experiment events fanned out to this process',
    labelNames: ['type'],
    registers: [registry],
  });
  new Gauge({
    name: 'llmforge_subscribers',
    help: 'Live event listeners in this process (event fan-out)',
    registers: [registry],
    collect() {
      this.set(sources.bus.listenerCount());
    },
  });
  if (sources.fanOut) {
    const fanOut = sources.fanOut;
    new Counter({
      name: 'llmforge_subscription_executions_total',
      help: 'Executions of event-subscription selections over WebSocket: shared (once per event and distinct selection), replay and own (per subscriber)',
      labelNames: ['path'],
      registers: [registry],
      collect() {
        this.reset();
        for (const path of ['shared', 'replay', 'own'] as const satisfies (keyof FanOutStats)[])
          this.inc({ path }, fanOut.stats[path]);
      },
    });
    new Counter({
      name: 'llmforge_subscription_frames_total',
      help: 'Event frames written to WebSocket subscribers',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(fanOut.stats.frames);
      },
    });
    new Gauge({
      name: 'llmforge_subscription_groups',
      help: 'Distinct (experiment, selection) groups sharing one execution per event',
      registers: [registry],
      collect() {
        this.set(fanOut.groupCount);
      },
    });
  }
  new Gauge({
    name: 'llmforge_attempts_running',
    help: 'Attempts running in this process',
    registers: [registry],
    collect() {
      this.set(sources.scheduler.running);
    },
  });
  if (sources.queueDepth) {
    const depth = sources.queueDepth;
    new Gauge({
      name: 'llmforge_queue_attempts',
      help: 'Attempts in the cluster queue',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const { waiting, active } = await depth().catch(() => ({
          waiting: Number.NaN,
          active: Number.NaN,
        }));
        this.set({ state: 'waiting' }, waiting);
        this.set({ state: 'active' }, active);
      },
    });
  }
  sources.bus.subscribe('*', (event) => {
    events.inc({ type: event.type });
    if (event.type !== 'SampleCompleted' || !sources.scheduler.runsHere(event.experimentId)) return;
    const { sample } = event;
    samples.inc({ outcome: sample.error ? 'failed' : sample.score.correct ? 'correct' : 'wrong' });
    if (sample.cacheHit) cacheHits.inc({ tier: sample.cacheTier ?? 'unknown' });
    if (sample.retries > 0) retries.inc(sample.retries);
    tokens.inc({ direction: 'input' }, sample.tokensInput);
    tokens.inc({ direction: 'output' }, sample.tokensOutput);
    for (const [phase, ms] of Object.entries(sample.timings ?? {}))
      phases.observe({ phase }, (ms as number) / 1000);
  });
  const queryExecutions = new Counter({
    name: 'llmforge_query_executions_total',
    help: 'GraphQL query executions: own, or shared with an identical query in flight',
    labelNames: ['path'],
    registers: [registry],
  });
  const engineThread = sources.engineThread;
  return {
    countQueryExecution: (kind) => queryExecutions.inc({ path: kind }),
    registry,
    render: engineThread
      ? async () =>
          AggregatorRegistry.aggregate([
            await registry.getMetricsAsJSON(),
            await engineThread(),
          ]).metrics()
      : () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/**
 * Counts every remote provider call by how it ended (success, 429, other failure) as it returns its
 * permit to the endpoint's concurrency window: the one place every remote call passes.
 */
export function countingWindows(
  windows: ConcurrencyWindows,
  registry: Registry,
): ConcurrencyWindows {
  const calls = new Counter({
    name: 'llmforge_provider_calls_total',
    help: 'Remote provider API calls by result (rate_limited = HTTP 429)',
    labelNames: ['result'],
    registers: [registry],
  });
  const wrapped = new Map<string, ConcurrencyWindow>();
  return {
    for(endpoint) {
      let window = wrapped.get(endpoint);
      if (!window) {
        const inner = windows.for(endpoint);
        window = {
          get currentLimit() {
            return inner.currentLimit;
          },
          get history() {
            return inner.history;
          },
          async acquire(signal) {
            const permit = await inner.acquire(signal);
            return {
              release(result) {
                calls.inc({ result });
                permit.release(result);
              },
            };
          },
        };
        wrapped.set(endpoint, window);
      }
      return window;
    },
  };
}
