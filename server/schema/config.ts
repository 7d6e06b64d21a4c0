import type {
  AgentConfig,
  ExperimentConfig,
  OptimizationConfig,
  PricingConfig,
  ProviderConfig,
  RagConfig,
} from '../engine/config.ts';
import type { GenerationParams } from '../engine/types.ts';
import { DEFAULTS } from '../engine/config.ts';
import { builder } from './builder.ts';
import { ProviderKindEnum, ReasoningMethodEnum, RetrievalMethodEnum } from './enums.ts';

// ---- Outputs: the stored configuration with every default filled in ----

const Hyperparameters = builder.objectRef<GenerationParams>('Hyperparameters').implement({
  fields: (t) => ({
    temperature: t.exposeFloat('temperature'),
    maxTokens: t.exposeInt('maxTokens'),
    topP: t.exposeFloat('topP'),
    seed: t.exposeInt('seed'),
    stop: t.exposeStringList('stop'),
  }),
});

const ProviderSettings = builder.objectRef<ProviderConfig>('ProviderSettings').implement({
  description: 'Where generations come from. API keys are never part of it.',
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, resolve: (p) => p.kind }),
    latencyMs: t.int({ nullable: true, resolve: (p) => (p.kind === 'SIMULATED' ? p.latencyMs : null) }),
    jitterMs: t.int({ nullable: true, resolve: (p) => (p.kind === 'SIMULATED' ? p.jitterMs : null) }),
    hfProvider: t.string({ nullable: true, resolve: (p) => (p.kind === 'HUGGINGFACE' ? p.hfProvider : null) }),
    endpointUrl: t.string({ nullable: true, resolve: (p) => (p.kind === 'HUGGINGFACE' ? p.endpointUrl : null) }),
    baseUrl: t.string({ nullable: true, resolve: (p) => (p.kind === 'OPENAI_COMPATIBLE' ? p.baseUrl : null) }),
    timeoutMs: t.int({ nullable: true, resolve: (p) => (p.kind === 'SIMULATED' ? null : (p.timeoutMs ?? null)) }),
    maxAttempts: t.int({ nullable: true, resolve: (p) => (p.kind === 'SIMULATED' ? null : (p.maxAttempts ?? null)) }),
  }),
});

const OptimizationSettings = builder.objectRef<OptimizationConfig>('OptimizationSettings').implement({
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

const RagSettings = builder.objectRef<RagConfig>('RagSettings').implement({
  fields: (t) => ({
    retrieval: t.field({ type: RetrievalMethodEnum, resolve: (r) => r.retrieval }),
    topK: t.exposeInt('topK'),
  }),
});

const PricingSettings = builder.objectRef<PricingConfig>('PricingSettings').implement({
  fields: (t) => ({
    inputPerMillionTokens: t.exposeFloat('inputPerMillionTokens'),
    outputPerMillionTokens: t.exposeFloat('outputPerMillionTokens'),
  }),
});

export const ExperimentConfigRef = builder.objectRef<ExperimentConfig>('ExperimentConfig').implement({
  fields: (t) => ({
    modelName: t.exposeString('modelName'),
    reasoningMethod: t.field({ type: ReasoningMethodEnum, resolve: (c) => c.reasoningMethod }),
    datasetName: t.exposeString('datasetName'),
    numSamples: t.exposeInt('numSamples', { description: 'As requested; an attempt runs min(numSamples, dataset size).' }),
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
  }),
});

// ---- Inputs: every field optional; limits are checked by the engine so errors can name the field ----

const HyperparametersInput = builder.inputType('HyperparametersInput', {
  fields: (t) => ({
    temperature: t.float({ description: '0..2, default 0' }),
    maxTokens: t.int({ description: '1..32768, default 256' }),
    topP: t.float({ description: '(0, 1], default 1' }),
    seed: t.int({ description: 'Seeds sampling of the dataset and of the provider where it supports it; default 42' }),
    stop: t.stringList({ description: 'Stop sequences, default none' }),
  }),
});

const ProviderInput = builder.inputType('ProviderInput', {
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, description: 'default SIMULATED' }),
    latencyMs: t.int({ description: 'SIMULATED: latency of each call, default 50' }),
    jitterMs: t.int({ description: 'SIMULATED: uniform jitter ± this many ms, default 0' }),
    hfProvider: t.string({ description: 'HUGGINGFACE: inference provider, e.g. "novita"' }),
    endpointUrl: t.string({ description: 'HUGGINGFACE: a dedicated endpoint or TGI server' }),
    baseUrl: t.string({ description: 'OPENAI_COMPATIBLE: e.g. http://127.0.0.1:8000/v1' }),
    timeoutMs: t.int({ description: 'HUGGINGFACE, OPENAI_COMPATIBLE: per-attempt timeout, 10..600000 ms, default 60000' }),
    maxAttempts: t.int({ description: 'HUGGINGFACE, OPENAI_COMPATIBLE: attempts per call (retries included), 1..10, default 8' }),
  }),
});

const OptimizationInput = builder.inputType('OptimizationInput', {
  fields: (t) => ({
    enableBatching: t.boolean({ description: 'default false' }),
    batchSize: t.int({ description: '1..32: the most API calls in flight at once; default 8' }),
    enableCaching: t.boolean({ description: 'default false' }),
    cacheMaxSize: t.int({ description: '16..2048 entries in this experiment’s memory tier; default 256' }),
    enableProfiling: t.boolean({ description: 'default true' }),
  }),
});

const AgentInput = builder.inputType('AgentInput', {
  fields: (t) => ({
    maxIterations: t.int({ description: '1..20, default 5' }),
    tools: t.stringList({ description: 'calculator, search (default both)' }),
  }),
});

const RagInput = builder.inputType('RagInput', {
  fields: (t) => ({
    retrieval: t.field({ type: RetrievalMethodEnum, description: 'default BM25' }),
    topK: t.int({ description: '1..20, default 3' }),
  }),
});

const PricingInput = builder.inputType('PricingInput', {
  fields: (t) => ({
    inputPerMillionTokens: t.float({ description: 'USD per million input tokens' }),
    outputPerMillionTokens: t.float({ description: 'USD per million output tokens' }),
  }),
});

export const ExperimentConfigInput = builder.inputType('ExperimentConfigInput', {
  fields: (t) => ({
    modelName: t.string({ description: 'default meta-llama/Llama-3.2-1B-Instruct' }),
    reasoningMethod: t.field({ type: ReasoningMethodEnum, description: 'default NAIVE' }),
    datasetName: t.string({ description: 'A registered dataset (see the datasets query); default trivia_qa' }),
    numSamples: t.int({ description: '1..100000, capped at the dataset size; default 100' }),
    failureThreshold: t.float({ description: '0..1, default 0.5: the run ends FAILED as soon as more than this share of its samples failed' }),
    hyperparameters: t.field({ type: HyperparametersInput }),
    provider: t.field({ type: ProviderInput }),
    optimization: t.field({ type: OptimizationInput }),
    agent: t.field({ type: AgentInput, description: 'Only with REACT' }),
    rag: t.field({ type: RagInput, description: 'Only with RAG' }),
    pricing: t.field({ type: PricingInput, description: 'Token prices, for the cost estimate' }),
  }),
});

export const CreateExperimentInput = builder.inputType('CreateExperimentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1..255 characters' }),
    description: t.string({ description: 'At most 10 000 characters' }),
    config: t.field({ type: ExperimentConfigInput }),
  }),
});
