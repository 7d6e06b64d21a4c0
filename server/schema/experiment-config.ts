import {
  AGENT_TOOLS,
  DEFAULTS,
  describeRange,
  formatLimit,
  LIMITS,
  type AgentConfig,
  type ExperimentConfig,
  type OptimizationConfig,
  type PricingConfig,
  type ProviderConfig,
  type JudgeMetricConfig,
  type ModelEndpointConfig,
  type RagConfig,
} from '../engine/experiment-config.ts';
import { SIMULATED_EMBEDDING_MODELS } from '../engine/embeddings/simulated-models.ts';
import type { GenerationParams } from '../engine/types.ts';
import { builder } from './builder.ts';
import { GraderInput, GraderSettings, PromptRefInput, PromptSettings } from './grader.ts';
import { ProviderKindEnum, ReasoningMethodEnum, RetrievalMethodEnum } from './enums.ts';

// ---- Outputs: the stored configuration with every default filled in ----

const Hyperparameters = builder.objectRef<GenerationParams>('Hyperparameters').implement({
  fields: (t) => ({
    temperature: t.exposeFloat('temperature'),
    maxTokens: t.exposeInt('maxTokens'),
    topP: t.exposeFloat('topP'),
    topK: t.int({
      nullable: true,
      description: 'Sampling topK; null: the provider default',
      resolve: (h) => h.topK ?? null,
    }),
    seed: t.exposeInt('seed'),
    stop: t.exposeStringList('stop'),
  }),
});

const ProviderSettings = builder.objectRef<ProviderConfig>('ProviderSettings').implement({
  description: 'Where generations come from. API keys are never part of it.',
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, resolve: (p) => p.kind }),
    latencyMs: t.int({
      nullable: true,
      resolve: (p) => (p.kind === 'SIMULATED' ? p.latencyMs : null),
    }),
    jitterMs: t.int({
      nullable: true,
      resolve: (p) => (p.kind === 'SIMULATED' ? p.jitterMs : null),
    }),
    hfProvider: t.string({
      nullable: true,
      resolve: (p) => (p.kind === 'HUGGINGFACE' ? p.hfProvider : null),
    }),
    endpointUrl: t.string({
      nullable: true,
      resolve: (p) => (p.kind === 'HUGGINGFACE' ? p.endpointUrl : null),
    }),
    baseUrl: t.string({
      nullable: true,
      resolve: (p) => (p.kind === 'OPENAI_COMPATIBLE' ? p.baseUrl : null),
    }),
    timeoutMs: t.int({
      nullable: true,
      resolve: (p) => (p.kind === 'SIMULATED' ? null : (p.timeoutMs ?? null)),
    }),
    maxAttempts: t.int({
      nullable: true,
      resolve: (p) => (p.kind === 'SIMULATED' ? null : (p.maxAttempts ?? null)),
    }),
  }),
});

const OptimizationSettings = builder
  .objectRef<OptimizationConfig>('OptimizationSettings')
  .implement({
    fields: (t) => ({
      enableBatching: t.exposeBoolean('enableBatching'),
      batchSize: t.exposeInt('batchSize'),
      enableCaching: t.exposeBoolean('enableCaching'),
      cacheMaxSize: t.exposeInt('cacheMaxSize'),
      enableProfiling: t.exposeBoolean('enableProfiling'),
    }),
  });

const AgentSettings = builder.objectRef<AgentConfig>('AgentSettings').implement({
  fields: (t) => ({
    maxIterations: t.exposeInt('maxIterations'),
    tools: t.exposeStringList('tools'),
  }),
});

export const ModelEndpointSettings = builder
  .objectRef<ModelEndpointConfig>('ModelEndpointSettings')
  .implement({
    description: 'An embedding model or reranker and the provider that serves it',
    fields: (t) => ({
      provider: t.field({ type: ProviderSettings, resolve: (m) => m.provider }),
      model: t.exposeString('model'),
    }),
  });

export const JudgeSettings = builder.objectRef<JudgeMetricConfig>('JudgeSettings').implement({
  description: 'An LLM judge: the chat model, its rubric and the top of its 1..scale score',
  fields: (t) => ({
    provider: t.field({ type: ProviderSettings, resolve: (m) => m.provider }),
    model: t.exposeString('model'),
    rubric: t.exposeString('rubric'),
    scale: t.exposeInt('scale', {
      description: 'Scores run 1..scale and are reported as (score − 1) / (scale − 1)',
    }),
  }),
});

const RagSettings = builder.objectRef<RagConfig>('RagSettings').implement({
  fields: (t) => ({
    embedding: t.field({
      type: ModelEndpointSettings,
      nullable: true,
      description: 'DENSE, HYBRID, RERANKED: the embedding model',
      resolve: (r) => r.embedding ?? null,
    }),
    reranker: t.field({
      type: ModelEndpointSettings,
      nullable: true,
      description: 'RERANKED: the cross-encoder',
      resolve: (r) => r.reranker ?? null,
    }),
    retrieval: t.field({ type: RetrievalMethodEnum, resolve: (r) => r.retrieval }),
    topK: t.exposeInt('topK'),
    knowledgeBase: t.exposeString('knowledgeBase', {
      description: 'The corpus retrieved from (and searched by the REACT agent)',
    }),
  }),
});

const PricingSettings = builder.objectRef<PricingConfig>('PricingSettings').implement({
  fields: (t) => ({
    inputPerMillionTokens: t.exposeFloat('inputPerMillionTokens'),
    outputPerMillionTokens: t.exposeFloat('outputPerMillionTokens'),
  }),
});

export const ExperimentConfigRef = builder
  .objectRef<ExperimentConfig>('ExperimentConfig')
  .implement({
    fields: (t) => ({
      modelName: t.exposeString('modelName'),
      reasoningMethod: t.field({ type: ReasoningMethodEnum, resolve: (c) => c.reasoningMethod }),
      datasetName: t.exposeString('datasetName'),
      numSamples: t.exposeInt('numSamples', {
        description: 'As requested; an attempt runs min(numSamples, dataset size).',
      }),
      failureThreshold: t.float({
        description: 'The share of samples that may fail; the run ends FAILED when more do',
        resolve: (c) => c.failureThreshold ?? DEFAULTS.failureThreshold,
      }),
      hyperparameters: t.field({ type: Hyperparameters, resolve: (c) => c.hyperparameters }),
      provider: t.field({ type: ProviderSettings, resolve: (c) => c.provider }),
      optimization: t.field({ type: OptimizationSettings, resolve: (c) => c.optimization }),
      agent: t.field({ type: AgentSettings, nullable: true, resolve: (c) => c.agent }),
      rag: t.field({ type: RagSettings, nullable: true, resolve: (c) => c.rag }),
      pricing: t.field({ type: PricingSettings, nullable: true, resolve: (c) => c.pricing }),
      prompt: t.field({
        type: PromptSettings,
        nullable: true,
        description:
          'The prompt version replacing the method’s instructions; null: the method’s own',
        resolve: (c) => c.prompt ?? null,
      }),
      graders: t.field({ type: [GraderSettings], resolve: (c) => c.graders ?? [] }),
      semanticSimilarity: t.field({
        type: ModelEndpointSettings,
        nullable: true,
        description:
          'The embedding model of the semanticSimilarity metric; null when the metric is off',
        resolve: (c) => c.metrics?.semanticSimilarity ?? null,
      }),
      faithfulness: t.field({
        type: ModelEndpointSettings,
        nullable: true,
        description:
          'The chat model of the faithfulness and hallucinationRate metrics; null when they are off',
        resolve: (c) => c.metrics?.faithfulness ?? null,
      }),
      contextRelevance: t.field({
        type: ModelEndpointSettings,
        nullable: true,
        description: 'The chat model of the contextRelevance metric; null when it is off',
        resolve: (c) => c.metrics?.contextRelevance ?? null,
      }),
      judge: t.field({
        type: JudgeSettings,
        nullable: true,
        description: 'The LLM-as-judge metric; null when it is off',
        resolve: (c) => c.metrics?.judge ?? null,
      }),
    }),
  });

// ---- Inputs: every field optional; limits are checked by the engine so errors can name the field ----

const d = DEFAULTS;
const range = describeRange;

const HyperparametersInput = builder.inputType('HyperparametersInput', {
  fields: (t) => ({
    temperature: t.float({
      description: `${range(LIMITS.temperature)}, default ${d.hyperparameters.temperature}`,
    }),
    maxTokens: t.int({
      description: `${range(LIMITS.maxTokens)}, default ${d.hyperparameters.maxTokens}`,
    }),
    topP: t.float({ description: `${range(LIMITS.topP)}, default ${d.hyperparameters.topP}` }),
    topK: t.int({
      description: `Sample from the topK most likely tokens, ${range(LIMITS.samplingTopK)}; default: the provider's. SIMULATED and HUGGINGFACE take it; OPENAI_COMPATIBLE refuses it`,
    }),
    seed: t.int({
      description: `Seeds sampling of the dataset and of the provider where it supports it; default ${d.hyperparameters.seed}`,
    }),
    stop: t.stringList({
      description: `Stop sequences: at most ${LIMITS.stopSequences}, each 1..${LIMITS.stopSequenceLength} characters; default none`,
    }),
  }),
});

const REMOTE = 'HUGGINGFACE, OPENAI_COMPATIBLE';

export const ProviderInput = builder.inputType('ProviderInput', {
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, description: `default ${d.providerKind}` }),
    latencyMs: t.int({
      description: `SIMULATED: latency of each call, ${range(LIMITS.latencyMs)} ms, default ${d.simulated.latencyMs}`,
    }),
    jitterMs: t.int({
      description: `SIMULATED: uniform jitter ± this many ms, default ${d.simulated.jitterMs}`,
    }),
    hfProvider: t.string({ description: 'HUGGINGFACE: inference provider, e.g. "novita"' }),
    endpointUrl: t.string({ description: 'HUGGINGFACE: a dedicated endpoint or TGI server' }),
    baseUrl: t.string({ description: 'OPENAI_COMPATIBLE: e.g. http://127.0.0.1:8000/v1' }),
    timeoutMs: t.int({
      description: `${REMOTE}: per-attempt timeout, ${range(LIMITS.timeoutMs)} ms, default ${formatLimit(d.remote.timeoutMs)}`,
    }),
    maxAttempts: t.int({
      description: `${REMOTE}: attempts per call (retries included), ${range(LIMITS.maxAttempts)}, default ${d.remote.maxAttempts}`,
    }),
  }),
});

const OptimizationInput = builder.inputType('OptimizationInput', {
  fields: (t) => ({
    enableBatching: t.boolean({ description: `default ${d.optimization.enableBatching}` }),
    batchSize: t.int({
      description: `${range(LIMITS.batchSize)}: the most API calls in flight at once; default ${d.optimization.batchSize}`,
    }),
    enableCaching: t.boolean({ description: `default ${d.optimization.enableCaching}` }),
    cacheMaxSize: t.int({
      description: `${range(LIMITS.cacheMaxSize)} entries in this experiment’s memory tier; default ${d.optimization.cacheMaxSize}`,
    }),
    enableProfiling: t.boolean({ description: `default ${d.optimization.enableProfiling}` }),
  }),
});

const AgentInput = builder.inputType('AgentInput', {
  fields: (t) => ({
    maxIterations: t.int({
      description: `${range(LIMITS.maxIterations)}, default ${d.agent.maxIterations}`,
    }),
    tools: t.stringList({
      description: `${AGENT_TOOLS.join(', ')} (default ${d.agent.tools.join(', ')})`,
    }),
  }),
});

export const ModelEndpointInput = builder.inputType('ModelEndpointInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderInput, description: 'default SIMULATED' }),
    model: t.string({
      description: `SIMULATED embeddings: ${Object.keys(SIMULATED_EMBEDDING_MODELS).join(', ')} (default ${d.embeddingModel}); SIMULATED reranker: ${d.rerankerModel}; otherwise required`,
    }),
  }),
});

export const JudgeMetricInput = builder.inputType('JudgeMetricInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderInput, description: 'default SIMULATED' }),
    model: t.string({
      description: `Any chat model of the provider; required unless SIMULATED (default ${d.judgeModel})`,
    }),
    rubric: t.string({
      description: `What the judge grades by, ≤ ${LIMITS.judgeRubricLength} characters; default "${d.judgeRubric}"`,
    }),
    scale: t.int({
      description: `The top score: the judge answers 1..scale; ${range(LIMITS.judgeScale)}, default ${d.judgeScale}`,
    }),
  }),
});

const RagInput = builder.inputType('RagInput', {
  fields: (t) => ({
    embedding: t.field({
      type: ModelEndpointInput,
      description: `DENSE, HYBRID, RERANKED: the embedding model (OPENAI_COMPATIBLE /v1/embeddings, HUGGINGFACE feature extraction); default SIMULATED ${d.embeddingModel}`,
    }),
    reranker: t.field({
      type: ModelEndpointInput,
      description: `RERANKED: the cross-encoder (OPENAI_COMPATIBLE: a /rerank endpoint; HUGGINGFACE: text classification of (question, passage) pairs); default SIMULATED ${d.rerankerModel}`,
    }),
    retrieval: t.field({ type: RetrievalMethodEnum, description: `default ${d.rag.retrieval}` }),
    topK: t.int({
      description: `Passages per question, ${range(LIMITS.topK)}, default ${d.rag.topK}`,
    }),
    knowledgeBase: t.string({
      description: `A knowledge base from the knowledgeBases query; default "${d.rag.knowledgeBase}"`,
    }),
  }),
});

const PricingInput = builder.inputType('PricingInput', {
  fields: (t) => ({
    inputPerMillionTokens: t.float({ description: 'USD per million input tokens' }),
    outputPerMillionTokens: t.float({ description: 'USD per million output tokens' }),
  }),
});

const MetricsInput = builder.inputType('MetricsInput', {
  fields: (t) => ({
    semanticSimilarity: t.field({
      type: ModelEndpointInput,
      description: `Cosine of the embeddings of answer and gold (best over aliases); {} uses SIMULATED ${d.embeddingModel}`,
    }),
    faithfulness: t.field({
      type: ModelEndpointInput,
      description: `A chat model lists the answer's claims and marks each supported by the retrieved passages or not (faithfulness, hallucinationRate); retrieval-augmented samples only; {} uses SIMULATED ${d.judgeModel}`,
    }),
    contextRelevance: t.field({
      type: ModelEndpointInput,
      description: `A chat model marks each retrieved passage relevant to the question or not; {} uses SIMULATED ${d.judgeModel}`,
    }),
    judge: t.field({
      type: JudgeMetricInput,
      description: 'LLM-as-judge with a rubric on a 1..scale score, reported in 0..1',
    }),
  }),
});

export const ExperimentConfigInput = builder.inputType('ExperimentConfigInput', {
  fields: (t) => ({
    modelName: t.string({ description: `default ${d.modelName}` }),
    reasoningMethod: t.field({
      type: ReasoningMethodEnum,
      description: `default ${d.reasoningMethod}`,
    }),
    datasetName: t.string({
      description: `A registered dataset (see the datasets query); default ${d.datasetName}`,
    }),
    numSamples: t.int({
      description: `${range(LIMITS.numSamples)}, capped at the dataset size; default ${d.numSamples}`,
    }),
    failureThreshold: t.float({
      description: `${range(LIMITS.failureThreshold)}, default ${d.failureThreshold}: the run ends FAILED as soon as more than this share of its samples failed`,
    }),
    hyperparameters: t.field({ type: HyperparametersInput }),
    provider: t.field({ type: ProviderInput }),
    optimization: t.field({ type: OptimizationInput }),
    agent: t.field({ type: AgentInput, description: 'Only with REACT' }),
    rag: t.field({
      type: RagInput,
      description:
        'Retrieval: always on for RAG; turns it on for NAIVE and COT; for REACT, the corpus of the search tool',
    }),
    pricing: t.field({ type: PricingInput, description: 'Token prices, for the cost estimate' }),
    prompt: t.field({
      type: PromptRefInput,
      description:
        'A stored prompt version whose rendered template replaces the method’s instruction text; the method parses and acts as before',
    }),
    graders: t.field({
      type: [GraderInput],
      description:
        'Assertions on each answer, besides answer matching; bad ones are refused at creation',
    }),
    metrics: t.field({
      type: MetricsInput,
      description: 'Model-graded metrics, each on when given',
    }),
  }),
});

export const CreateExperimentInput = builder.inputType('CreateExperimentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: `1..${LIMITS.nameLength} characters` }),
    description: t.string({
      description: `At most ${formatLimit(LIMITS.descriptionLength)} characters`,
    }),
    config: t.field({ type: ExperimentConfigInput }),
  }),
});
