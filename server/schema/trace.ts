import type { AgentStep, AgentStopReason, AgentTrace } from '../engine/methods/react.ts';
import type { RetrievalTrace } from '../engine/methods/rag.ts';
import type { RetrievedPassage } from '../engine/retrieval/knowledge-base.ts';
import { builder } from './builder.ts';
import { RetrievalMethodEnum } from './enums.ts';
import { SampleResultRef } from './sample.ts';

const STOP_REASONS: Record<string, { value: AgentStopReason; description: string }> = {
  ANSWER: { value: 'answer', description: 'The agent gave an answer' },
  MAX_ITERATIONS: {
    value: 'max_iterations',
    description: 'It used every iteration without answering',
  },
  LOOP: { value: 'loop', description: 'It asked for the same action a third time' },
  NO_ACTION: {
    value: 'no_action',
    description: 'A reply had neither an action nor an answer; the reply was taken as the answer',
  },
};

const AgentStopReasonEnum = builder.enumType('AgentStopReason', { values: STOP_REASONS });

const AgentStepRef = builder.objectRef<AgentStep>('AgentStep').implement({
  description:
    'One model turn of the REACT agent: a thought, then an action (with its observation) or an answer',
  fields: (t) => ({
    iteration: t.exposeInt('iteration', { description: 'From 1' }),
    thought: t.exposeString('thought'),
    action: t.exposeString('action', { nullable: true, description: 'The tool asked for' }),
    input: t.exposeString('input', { nullable: true }),
    observation: t.exposeString('observation', {
      nullable: true,
      description: 'Null when the action was not run (loop, last iteration)',
    }),
    toolError: t.exposeBoolean('toolError'),
    answer: t.exposeString('answer', { nullable: true }),
    cached: t.exposeBoolean('cached', { description: 'The model reply came from the cache' }),
    ms: t.exposeFloat('ms', { description: 'The whole step: model call, parsing, tool' }),
    toolMs: t.exposeFloat('toolMs', { nullable: true }),
  }),
});

const AgentTraceRef = builder.objectRef<AgentTrace>('AgentTrace').implement({
  fields: (t) => ({
    stopReason: t.field({ type: AgentStopReasonEnum, resolve: (trace) => trace.stopReason }),
    iterations: t.exposeInt('iterations'),
    toolCalls: t.exposeInt('toolCalls', { description: 'Tool calls run (errors included)' }),
    steps: t.field({ type: [AgentStepRef], resolve: (trace) => trace.steps }),
  }),
});

interface StageRank {
  stage: string;
  rank: number | null;
  score: number | null;
}

const StageRankRef = builder.objectRef<StageRank>('RetrievalStageRank').implement({
  description:
    'Where a passage stood in one stage of retrieval before the last: dense (cosine), bm25, fused (reciprocal rank)',
  fields: (t) => ({
    stage: t.exposeString('stage'),
    rank: t.exposeInt('rank', {
      nullable: true,
      description: 'Null: the stage did not return this passage among its candidates',
    }),
    score: t.exposeFloat('score', { nullable: true }),
  }),
});

const RetrievedPassageRef = builder.objectRef<RetrievedPassage>('RetrievedPassage').implement({
  fields: (t) => ({
    id: t.exposeString('id', { description: '<article id>#<chunk number>' }),
    articleId: t.exposeString('articleId'),
    title: t.exposeString('title'),
    text: t.exposeString('text'),
    rank: t.exposeInt('rank', { description: '1 for the best' }),
    score: t.exposeFloat('score', {
      description:
        'BM25 for BM25, cosine similarity for DENSE, the reciprocal-rank-fusion score for HYBRID, the reranker score for RERANKED',
    }),
    stages: t.field({
      type: [StageRankRef],
      description: 'Rank and score in the earlier stages (empty for BM25)',
      resolve: (passage) =>
        Object.entries(passage.stages ?? {}).map(([stage, place]) => ({
          stage,
          rank: place?.rank ?? null,
          score: place?.score ?? null,
        })),
    }),
  }),
});

const RetrievalTraceRef = builder.objectRef<RetrievalTrace>('RetrievalTrace').implement({
  fields: (t) => ({
    retrieval: t.field({ type: RetrievalMethodEnum, resolve: (trace) => trace.retrieval }),
    topK: t.exposeInt('topK'),
    knowledgeBase: t.string({
      description: 'The corpus the passages came from',
      resolve: (trace) => trace.knowledgeBase ?? 'builtin',
    }),
    embeddingModel: t.string({
      nullable: true,
      description: 'KIND:model of the embedding model (DENSE, HYBRID, RERANKED)',
      resolve: (trace) => trace.embeddingModel ?? null,
    }),
    reranker: t.string({
      nullable: true,
      description: 'KIND:model of the reranker (RERANKED)',
      resolve: (trace) => trace.reranker ?? null,
    }),
    passages: t.field({ type: [RetrievedPassageRef], resolve: (trace) => trace.passages }),
  }),
});

builder.objectFields(SampleResultRef, (t) => ({
  agent: t.field({
    type: AgentTraceRef,
    nullable: true,
    description: 'REACT: the agent steps, tool calls and why it stopped',
    resolve: (sample) => (isTrace<AgentTrace>(sample.trace, 'REACT') ? sample.trace : null),
  }),
  retrieval: t.field({
    type: RetrievalTraceRef,
    nullable: true,
    description: 'RAG, or NAIVE / COT with retrieval: the passages retrieved for the question',
    resolve: (sample) => (isRetrievalTrace(sample.trace) ? sample.trace : null),
  }),
}));

/** Retrieval traces carry passages (the agent trace has steps instead). */
function isRetrievalTrace(trace: unknown): trace is RetrievalTrace {
  return (
    typeof trace === 'object' &&
    trace !== null &&
    Array.isArray((trace as { passages?: unknown }).passages)
  );
}

function isTrace<T extends { method: string }>(trace: unknown, method: T['method']): trace is T {
  return (
    typeof trace === 'object' && trace !== null && (trace as { method?: unknown }).method === method
  );
}
