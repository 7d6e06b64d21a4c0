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
    faithfulness: t.float({
      nullable: true,
      description:
        'Supported claims / claims of the answer, judged against the retrieved passages; null when off, not retrieval-augmented, without claims, or failed (see faithfulnessError)',
      resolve: (s) => graded(s, 'faithfulness', 'number'),
    }),
    hallucinated: t.boolean({
      nullable: true,
      description:
        'Whether any claim of the answer is unsupported by the passages (hallucinationRate is the share of samples where it is); null with faithfulness',
      resolve: (s) => graded(s, 'hallucinated', 'boolean'),
    }),
    faithfulnessError: t.string({
      nullable: true,
      description: 'Why faithfulness is null although configured',
      resolve: (s) => graded(s, 'faithfulnessError', 'string'),
    }),
    contextRelevance: t.float({
      nullable: true,
      description:
        'Relevant passages / retrieved passages, as judged; null when off, not retrieval-augmented, or failed (see contextRelevanceError)',
      resolve: (s) => graded(s, 'contextRelevance', 'number'),
    }),
    contextRelevanceError: t.string({
      nullable: true,
      description: 'Why contextRelevance is null although configured',
      resolve: (s) => graded(s, 'contextRelevanceError', 'string'),
    }),
    judgeScore: t.float({
      nullable: true,
      description:
        'The LLM judge’s score mapped to 0..1 as (judgeRawScore − 1) / (scale − 1); null when off or failed (see judgeError)',
      resolve: (s) => graded(s, 'judge', 'number'),
    }),
    judgeRawScore: t.int({
      nullable: true,
      description: 'The judge’s own score on its 1..scale scale',
      resolve: (s) => graded(s, 'judgeRaw', 'number'),
    }),
    judgeError: t.string({
      nullable: true,
      description: 'Why judgeScore is null although configured (e.g. an unparseable reply)',
      resolve: (s) => graded(s, 'judgeError', 'string'),
    }),
    judgePrompt: t.string({
      nullable: true,
      description: 'The messages sent to the judge, as JSON text',
      resolve: (s) => graded(s, 'judgePrompt', 'string'),
    }),
    judgeReply: t.string({
      nullable: true,
      description: 'The judge’s reply, verbatim',
      resolve: (s) => graded(s, 'judgeReply', 'string'),
    }),
  }),
});

/** A stored model-graded value when it has the expected type (null otherwise, e.g. on older samples). */
function graded<K extends 'number' | 'boolean' | 'string'>(
  sample: SampleResult,
  field: string,
  kind: K,
): (K extends 'number' ? number : K extends 'boolean' ? boolean : string) | null {
  const value = sample.modelMetrics?.[field];
  return typeof value === kind ? (value as never) : null;
}

export const SampleConnection = builder
  .objectRef<Page<SampleResult>>('SampleConnection')
  .implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount'),
      nodes: t.field({ type: [SampleResultRef], resolve: (page) => page.nodes }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
    }),
  });
