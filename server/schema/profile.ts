import type {
  BatchStats,
  CacheStats,
  ConcurrencyChange,
  OptimizationProfile,
  PhaseSummary,
} from '../engine/optimization-profile.ts';
import type { ProfilePhase } from '../engine/types.ts';
import { builder } from './builder.ts';

const PhaseStats = builder
  .objectRef<PhaseSummary & { phase: ProfilePhase }>('PhaseStats')
  .implement({
    description: 'Time spent in one phase, per sample, in milliseconds.',
    fields: (t) => ({
      phase: t.exposeString('phase', {
        description:
          'prompt_build, cache_lookup, api_call, parsing, metrics, retrieval, tool, rate_limit_wait, embedding or rerank',
      }),
      count: t.exposeInt('count'),
      totalMs: t.exposeFloat('totalMs'),
      meanMs: t.exposeFloat('meanMs'),
      p50Ms: t.exposeFloat('p50Ms'),
      p95Ms: t.exposeFloat('p95Ms'),
      p99Ms: t.exposeFloat('p99Ms'),
    }),
  });

const CacheStatsRef = builder.objectRef<CacheStats>('CacheStats').implement({
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    hits: t.exposeInt('hits'),
    misses: t.exposeInt('misses'),
    hitRate: t.exposeFloat('hitRate'),
    size: t.exposeInt('size'),
    maxSize: t.exposeInt('maxSize'),
    totalLatencySavedMs: t.exposeFloat('totalLatencySavedMs'),
    memoryHits: t.exposeInt('memoryHits'),
    persistentHits: t.exposeInt('persistentHits', {
      description:
        'Hits served by the database tier shared by all experiments (a re-run of the same configuration)',
    }),
    inflightDeduplicated: t.exposeInt('inflightDeduplicated', {
      description: 'Requests that shared the response of an identical request already in flight',
    }),
  }),
});

const BatchStatsRef = builder.objectRef<BatchStats>('BatchStats').implement({
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    batchSize: t.exposeInt('batchSize', {
      description: 'The most API calls in flight at once (1 with batching off)',
    }),
    batchesProcessed: t.exposeInt('batchesProcessed', {
      description: '⌈API calls ÷ batchSize⌉ with batching on, else 0',
    }),
    totalPromptsBatched: t.exposeInt('totalPromptsBatched'),
    peakConcurrency: t.exposeInt('peakConcurrency'),
    meanConcurrency: t.exposeFloat('meanConcurrency'),
    disabledReason: t.exposeString('disabledReason', { nullable: true }),
  }),
});

const ConcurrencyChangeRef = builder.objectRef<ConcurrencyChange>('ConcurrencyChange').implement({
  description: 'A change of the adaptive concurrency window of a remote provider endpoint.',
  fields: (t) => ({
    atMs: t.exposeFloat('atMs', {
      description: 'Milliseconds since the run (or its resumed stretch) started',
    }),
    limit: t.exposeInt('limit', {
      description: 'Calls in flight allowed from then on (never above batchSize)',
    }),
    reason: t.exposeString('reason', {
      description: 'rate_limited, clean_rounds, idle_reset or inherited',
    }),
  }),
});

export const ProfileRef = builder.objectRef<OptimizationProfile>('OptimizationProfile').implement({
  description: 'What batching, caching and profiling did. Live while the attempt runs.',
  fields: (t) => ({
    totalWallTimeMs: t.exposeFloat('totalWallTimeMs'),
    profilingEnabled: t.exposeBoolean('profilingEnabled'),
    profilingSummary: t.field({
      type: [PhaseStats],
      resolve: (p) =>
        Object.entries(p.profilingSummary).map(([phase, stats]) => ({
          phase: phase as ProfilePhase,
          ...(stats as PhaseSummary),
        })),
    }),
    cacheStats: t.field({ type: CacheStatsRef, resolve: (p) => p.cacheStats }),
    batchStats: t.field({ type: BatchStatsRef, resolve: (p) => p.batchStats }),
    apiCalls: t.exposeInt('apiCalls'),
    warnings: t.exposeStringList('warnings'),
    concurrencyChanges: t.field({
      type: [ConcurrencyChangeRef],
      description:
        'How the adaptive concurrency window moved: it shrinks on 429 episodes and grows back after clean rounds',
      resolve: (p) => p.concurrencyChanges ?? [],
    }),
  }),
});
