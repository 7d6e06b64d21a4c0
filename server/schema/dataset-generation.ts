import { REJECTION_REASONS, type Rejection } from '../engine/datasets/synthetic.ts';
import { DEFAULTS, describeRange, LIMITS } from '../engine/experiment-config.ts';
import type {
  GenerationEvent,
  GenerationState,
  GenerationUsage,
} from '../experiments/dataset-generation.ts';
import { ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { DatasetRef } from './dataset.ts';
import { ModelEndpointSettings, ProviderInput } from './experiment-config.ts';

const d = DEFAULTS.generation;

const GenerationStatusEnum = builder.enumType('DatasetGenerationStatus', {
  values: ['RUNNING', 'COMPLETED', 'FAILED'] as const,
});

const RejectionReasonEnum = builder.enumType('PairRejectionReason', {
  description:
    'Why a generated pair was not kept. CALL_FAILED and UNPARSEABLE lose every pair asked of that chunk.',
  values: REJECTION_REASONS,
});

const RejectionRef = builder.objectRef<Rejection>('PairRejection').implement({
  fields: (t) => ({
    reason: t.field({ type: RejectionReasonEnum, resolve: (r) => r.reason }),
    detail: t.exposeString('detail'),
  }),
});

const RejectionCountRef = builder
  .objectRef<{ reason: Rejection['reason']; count: number }>('PairRejectionCount')
  .implement({
    fields: (t) => ({
      reason: t.field({ type: RejectionReasonEnum, resolve: (r) => r.reason }),
      count: t.exposeInt('count'),
    }),
  });

const UsageRef = builder.objectRef<GenerationUsage>('DatasetGenerationUsage').implement({
  description: 'What the generator cost so far',
  fields: (t) => ({
    calls: t.exposeInt('calls', { description: 'Calls sent to the provider' }),
    cacheHits: t.exposeInt('cacheHits', {
      description: 'Replies served by the response cache (same prompt, model, seed and endpoint)',
    }),
    retries: t.exposeInt('retries', { description: 'Retried attempts of the calls sent' }),
    tokensInput: t.exposeInt('tokensInput', { description: 'Of the calls sent' }),
    tokensOutput: t.exposeInt('tokensOutput', { description: 'Of the calls sent' }),
    wallTimeMs: t.exposeInt('wallTimeMs'),
  }),
});

const ChunkStepRef = builder
  .objectRef<NonNullable<GenerationEvent['chunk']>>('DatasetGenerationChunk')
  .implement({
    description: 'The chunk one progress event is about',
    fields: (t) => ({
      chunkId: t.exposeString('chunkId'),
      documentId: t.exposeString('documentId'),
      accepted: t.exposeInt('accepted'),
      rejected: t.field({ type: [RejectionRef], resolve: (c) => c.rejected }),
    }),
  });

const GenerationStateRef = builder
  .interfaceRef<GenerationState>('DatasetGenerationState')
  .implement({
    description: 'What a dataset generation job and each of its events say about it',
    fields: (t) => ({
      id: t.exposeID('id'),
      status: t.field({ type: GenerationStatusEnum, resolve: (s) => s.status }),
      knowledgeBase: t.exposeString('knowledgeBase'),
      datasetName: t.exposeString('datasetName', {
        description: 'The dataset it stores (registered once COMPLETED)',
      }),
      dataset: t.field({
        type: DatasetRef,
        nullable: true,
        description: 'The stored dataset, once COMPLETED',
        resolve: (s, _args, ctx) =>
          s.status === 'COMPLETED' ? (ctx.datasets.get(s.datasetName) ?? null) : null,
      }),
      pairsPerChunk: t.exposeInt('pairsPerChunk'),
      maxChunks: t.exposeInt('maxChunks'),
      seed: t.exposeInt('seed'),
      generator: t.field({ type: ModelEndpointSettings, resolve: (s) => s.generator }),
      chunksTotal: t.exposeInt('chunksTotal', { description: 'Chunks picked (at most maxChunks)' }),
      chunksDone: t.exposeInt('chunksDone'),
      pairsAccepted: t.exposeInt('pairsAccepted'),
      pairsRejected: t.exposeInt('pairsRejected'),
      rejections: t.field({
        type: [RejectionCountRef],
        description: 'Rejected pairs by reason',
        resolve: (s) =>
          REJECTION_REASONS.filter((reason) => s.rejections[reason]).map((reason) => ({
            reason,
            count: s.rejections[reason] as number,
          })),
      }),
      error: t.exposeString('error', { nullable: true, description: 'Why it FAILED' }),
      usage: t.field({ type: UsageRef, resolve: (s) => s.usage }),
      startedAt: t.exposeString('startedAt'),
      finishedAt: t.exposeString('finishedAt', { nullable: true }),
    }),
  });

const DatasetGenerationRef = builder.objectRef<GenerationState>('DatasetGeneration').implement({
  description:
    'A synthetic dataset being generated from a knowledge base in the background (kept in memory by the server process)',
  interfaces: [GenerationStateRef],
  isTypeOf: (value) => !('seq' in (value as object)),
});

const DatasetGenerationEventRef = builder
  .objectRef<GenerationEvent>('DatasetGenerationEvent')
  .implement({
    description:
      'The job after one step: started (seq 1), one event per chunk judged, and a last one with COMPLETED or FAILED',
    interfaces: [GenerationStateRef],
    isTypeOf: (value) => 'seq' in (value as object),
    fields: (t) => ({
      seq: t.exposeInt('seq'),
      at: t.exposeString('at'),
      chunk: t.field({
        type: ChunkStepRef,
        nullable: true,
        description: 'The chunk this step judged; null for the first and the last event',
        resolve: (e) => e.chunk,
      }),
    }),
  });

const GeneratorInput = builder.inputType('GeneratorInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderInput, description: 'default SIMULATED' }),
    model: t.string({
      description: `The chat model that writes the pairs; required unless SIMULATED (default ${DEFAULTS.modelName})`,
    }),
  }),
});

builder.queryFields((t) => ({
  datasetGeneration: t.field({
    type: DatasetGenerationRef,
    nullable: true,
    description: 'A dataset generation by id; null when unknown (or forgotten after a restart)',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.datasetGenerations.get(String(id)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  generateDataset: t.field({
    type: DatasetGenerationRef,
    description:
      'Starts generating question–answer pairs from chunks of a knowledge base and returns at once (status RUNNING); follow it with ' +
      'the datasetGeneration subscription. The pairs kept are stored as an imported KNOWLEDGE dataset. Unknown knowledge base: ' +
      'NOT_FOUND; numbers out of range: BAD_USER_INPUT; a dataset name taken: CONFLICT; nothing starts on error.',
    args: {
      knowledgeBase: t.arg.string({
        required: true,
        description: 'A name from the knowledgeBases query',
      }),
      pairsPerChunk: t.arg.int({
        description: `Pairs asked of the generator per chunk, ${describeRange(LIMITS.pairsPerChunk)}; default ${d.pairsPerChunk}`,
      }),
      maxChunks: t.arg.int({
        description: `Chunks used (a seeded sample; all when the knowledge base has fewer), ${describeRange(LIMITS.maxChunks)}; default ${d.maxChunks}`,
      }),
      seed: t.arg.int({
        description: `Chooses the chunks and is sent to the generator, ${describeRange(LIMITS.seed)}; default ${d.seed}`,
      }),
      generator: t.arg({ type: GeneratorInput, description: 'default SIMULATED' }),
      name: t.arg.string({
        description:
          'The dataset to store: 1..100 letters, digits, "_", "-", "."; default "<knowledgeBase>-synthetic-s<seed>" (with -2, -3… when taken)',
      }),
    },
    resolve: (_root, args, ctx) => ctx.datasetGenerations.start(args),
  }),
}));

builder.subscriptionFields((t) => ({
  datasetGeneration: t.field({
    type: DatasetGenerationEventRef,
    description:
      'Progress of a dataset generation: every event with a larger seq than `after` (default 0: all of them, from the start), then ' +
      'live ones; ends after the COMPLETED or FAILED event. Unknown id: NOT_FOUND.',
    args: {
      id: t.arg.id({ required: true }),
      after: t.arg.int({ description: 'Skip events up to this seq' }),
    },
    subscribe: (_root, { id, after }, ctx) => {
      if (after != null && after < 0) throw new ValidationError('after', 'must be 0 or more');
      return ctx.datasetGenerations.events(String(id), after ?? 0);
    },
    resolve: (event) => event,
  }),
}));
