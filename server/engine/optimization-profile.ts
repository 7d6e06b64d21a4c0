import type { ExperimentConfig, OptimizationConfig } from './experiment-config.ts';
import type { ProfilePhase } from './types.ts';

/** Statistics of one profile phase, in milliseconds. */
export interface PhaseSummary {
  count: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface CacheStats {
  enabled: boolean;
  hits: number;
  misses: number;
  hitRate: number;
  /** Entries in this experiment's memory tier. */
  size: number;
  maxSize: number;
  /** API time the hits did not spend: the recorded latency of each replayed response. */
  totalLatencySavedMs: number;
  memoryHits: number;
  /** Hits served by the persistent tier shared by all experiments (then kept in this experiment's memory tier). */
  persistentHits: number;
  /** Requests that found an identical request already in flight and shared its response. */
  inflightDeduplicated: number;
}

export interface BatchStats {
  enabled: boolean;
  /** The most API calls allowed in flight at once (1 with batching off). */
  batchSize: number;
  /** ⌈API calls ÷ batchSize⌉ when batching is on, else 0. */
  batchesProcessed: number;
  /** API calls that went through the batching window (cache hits are not API calls). */
  totalPromptsBatched: number;
  peakConcurrency: number;
  /** Time-weighted mean of API calls in flight between the first call's start and the last call's end. */
  meanConcurrency: number;
  /** Why batching is off although it was asked for (e.g. REACT steps depend on each other). */
  disabledReason: string | null;
}

/** A change of the adaptive concurrency window of a remote provider's endpoint. */
export interface ConcurrencyChange {
  /** Milliseconds since this run (or resumed stretch of it) started. */
  atMs: number;
  /** Calls this experiment may have in flight from then on (never above its batch size). */
  limit: number;
  /** rate_limited (a 429 episode), clean_rounds (grew back), idle_reset, inherited (already narrowed when the run began). */
  reason: string;
}

/** What the optimization knobs did during one attempt (batching, caching, per-phase timings, concurrency). */
export interface OptimizationProfile {
  totalWallTimeMs: number;
  profilingEnabled: boolean;
  profilingSummary: Partial<Record<ProfilePhase, PhaseSummary>>;
  cacheStats: CacheStats;
  batchStats: BatchStats;
  apiCalls: number;
  warnings: string[];
  /** Changes of the adaptive concurrency window (remote providers only); absent in profiles stored before it existed. */
  concurrencyChanges?: ConcurrencyChange[];
}

/** The phases every sample goes through with these settings (others, like `retrieval`, depend on the method). */
export function corePhases(optimization: OptimizationConfig): ProfilePhase[] {
  return optimization.enableCaching
    ? ['prompt_build', 'cache_lookup', 'api_call', 'parsing', 'metrics']
    : ['prompt_build', 'api_call', 'parsing', 'metrics'];
}

/** Why batching is off although it was asked for (REACT: each agent step depends on the one before), or null. */
export function batchingDisabledReason(config: ExperimentConfig): string | null {
  if (config.optimization.enableBatching && config.reasoningMethod === 'REACT') {
    return 'REACT runs one sample at a time: each agent step depends on the previous one';
  }
  return null;
}

const ZERO_PHASE: PhaseSummary = { count: 0, totalMs: 0, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0 };

/** The profile of an experiment that has not run yet: every counter at zero, in the shape of a real one. */
export function emptyProfile(config: ExperimentConfig): OptimizationProfile {
  const { optimization } = config;
  const disabledReason = batchingDisabledReason(config);
  const batching = optimization.enableBatching && disabledReason === null;
  return {
    totalWallTimeMs: 0,
    profilingEnabled: optimization.enableProfiling,
    profilingSummary: optimization.enableProfiling
      ? Object.fromEntries(corePhases(optimization).map((phase) => [phase, ZERO_PHASE]))
      : {},
    cacheStats: {
      enabled: optimization.enableCaching,
      hits: 0,
      misses: 0,
      hitRate: 0,
      size: 0,
      maxSize: optimization.enableCaching ? optimization.cacheMaxSize : 0,
      totalLatencySavedMs: 0,
      memoryHits: 0,
      persistentHits: 0,
      inflightDeduplicated: 0,
    },
    batchStats: {
      enabled: batching,
      batchSize: batching ? optimization.batchSize : 1,
      batchesProcessed: 0,
      totalPromptsBatched: 0,
      peakConcurrency: 0,
      meanConcurrency: 0,
      disabledReason,
    },
    apiCalls: 0,
    warnings: [],
    concurrencyChanges: [],
  };
}
