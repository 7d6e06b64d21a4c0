import { SampleResult } from '../db/entities/sample-result.entity.ts';
import type { Page } from '../experiments/experiment-service.ts';
import { builder } from './builder.ts';
import { FailureModeEnum, GraderResultRef } from './grader.ts';
import { PageInfo } from './pagination.ts';

export const PhaseTiming = builder
  .objectRef<{ phase: string; ms: number }>('PhaseTiming')
  .implement({
    fields: (t) => ({
      phase: t.exposeString('phase'),
      ms: t.exposeFloat('ms'),
    }),
  });

export const SampleResultRef = builder.objectType(SampleResult, {
  name: 'SampleResult',
  fields: (t) => ({
    sampleIndex: t.exposeInt('sampleIndex', { description: 'Position in the attempt, from 0' }),
    exampleId: t.exposeString('exampleId'),
    question: t.exposeString('question'),
    expectedAnswer: t.exposeString('expectedAnswer'),
    prompt: t.field({
      type: 'JSON',
      description: 'The chat messages sent to the provider',
      resolve: (s) => JSON.parse(s.prompt),
    }),
    rawOutput: t.exposeString('rawOutput', { nullable: true }),
    parsedAnswer: t.exposeString('parsedAnswer', { nullable: true }),
    exactMatch: t.exposeBoolean('exactMatch'),
    substringMatch: t.exposeBoolean('substringMatch'),
    correct: t.exposeBoolean('correct'),
    f1: t.exposeFloat('f1'),
    matchedAlias: t.exposeString('matchedAlias', { nullable: true }),
    tokensInput: t.exposeInt('tokensInput'),
    tokensOutput: t.exposeInt('tokensOutput'),
    latencyMs: t.exposeFloat('latencyMs'),
    timings: t.field({
      type: [PhaseTiming],
      description: 'Milliseconds per phase; empty when profiling is off',
      resolve: (s) => Object.entries(s.timings ?? {}).map(([phase, ms]) => ({ phase, ms })),
    }),
    cacheHit: t.exposeBoolean('cacheHit'),
    cacheTier: t.exposeString('cacheTier', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    retries: t.exposeInt('retries'),
    trace: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Agent steps or retrieved passages, where the method has them',
      resolve: (s) => s.trace,
    }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'The extra fields of the example record (steps, solution, category, difficulty, context, …); null when none',
      resolve: (s) => s.metadata,
    }),
    grades: t.field({
      type: [GraderResultRef],
      nullable: true,
      description: 'Each grader’s verdict; null without graders or when the sample failed',
      resolve: (s) => s.grades,
    }),
    failureMode: t.field({
      type: FailureModeEnum,
      nullable: true,
      description: 'How a wrong or failed sample went wrong; null when correct',
      resolve: (s) => s.failureMode as never,
    }),
    semanticSimilarity: t.float({
      nullable: true,
      description:
        'Cosine of the embeddings of answer and gold, best over the aliases; null when not configured or when it failed (see semanticSimilarityError)',
      resolve: (s) =>
        typeof s.modelMetrics?.semanticSimilarity === 'number'
          ? s.modelMetrics.semanticSimilarity
          : null,
    }),
    semanticSimilarityError: t.string({
      nullable: true,
      description:
        'Why semanticSimilarity is null although configured (the sample keeps its other metrics)',
      resolve: (s) =>
        typeof s.modelMetrics?.semanticSimilarityError === 'string'
          ? s.modelMetrics.semanticSimilarityError
          : null,
    }),
  }),
});

export const SampleConnection = builder
  .objectRef<Page<SampleResult>>('SampleConnection')
  .implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount'),
      nodes: t.field({ type: [SampleResultRef], resolve: (page) => page.nodes }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
    }),
  });
