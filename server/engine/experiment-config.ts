import { ValidationError } from '../errors.ts';
import { validateGraders, type GraderConfig, type GraderInput } from './graders/config.ts';
import type { PromptSelection } from './prompts/prompted-method.ts';
import { checkTemplateVariables, templateVariables } from './prompts/template.ts';
import {
  PROVIDER_KINDS,
  REASONING_METHODS,
  RETRIEVAL_METHODS,
  type GenerationParams,
  type ProviderKind,
  type ReasoningMethod,
  type RetrievalMethod,
} from './types.ts';
import {
  DEFAULT_SIMULATED_EMBEDDING_MODEL,
  SIMULATED_EMBEDDING_MODELS,
  SIMULATED_RERANKER_MODELS,
} from './embeddings/simulated-models.ts';

export interface SimulatedProviderConfig {
  kind: 'SIMULATED';
  latencyMs: number;
  jitterMs: number;
}
/** How the retry layer treats calls to a remote provider (HUGGINGFACE, OPENAI_COMPATIBLE). */
export interface RemoteCallConfig {
  /** Per attempt; a timed-out attempt is retried. */
  timeoutMs: number;
  /** Attempts per call in all, the first included. */
  maxAttempts: number;
}
export interface HuggingFaceProviderConfig extends RemoteCallConfig {
  kind: 'HUGGINGFACE';
  hfProvider: string | null;
  endpointUrl: string | null;
}
export interface OpenAiCompatibleProviderConfig extends RemoteCallConfig {
  kind: 'OPENAI_COMPATIBLE';
  baseUrl: string;
}
export type ProviderConfig =
  | SimulatedProviderConfig
  | HuggingFaceProviderConfig
  | OpenAiCompatibleProviderConfig;

export interface OptimizationConfig {
  enableBatching: boolean;
  /** The most API calls in flight at once when batching is on. */
  batchSize: number;
  enableCaching: boolean;
  cacheMaxSize: number;
  enableProfiling: boolean;
}

export const AGENT_TOOLS = ['calculator', 'search'] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];

export interface AgentConfig {
  maxIterations: number;
  tools: AgentTool[];
}
/** A model reached through a provider for something other than chat: an embedding model or a reranker. */
export interface ModelEndpointConfig {
  provider: ProviderConfig;
  model: string;
}
export interface RagConfig {
  retrieval: RetrievalMethod;
  topK: number;
  /** The corpus passages come from (and the REACT agent's search tool searches): a name from the knowledgeBases query. */
  knowledgeBase: string;
  /** The embedding model of DENSE, HYBRID and RERANKED (null for BM25 unless given). Absent in configurations stored before it existed. */
  embedding?: ModelEndpointConfig | null;
  /** The cross-encoder of RERANKED (null otherwise unless given). */
  reranker?: ModelEndpointConfig | null;
}
export interface PricingConfig {
  inputPerMillionTokens: number;
  outputPerMillionTokens: number;
}

/** Model-graded metrics: each on when given. */
export interface MetricsConfig {
  /** The embedding model that compares answer and gold. */
  semanticSimilarity: ModelEndpointConfig | null;
  /** The chat model that checks the answer's claims against the retrieved passages (faithfulness and hallucinationRate). Absent in configurations stored before it existed. */
  faithfulness?: ModelEndpointConfig | null;
  /** The chat model that judges each retrieved passage's relevance to the question. */
  contextRelevance?: ModelEndpointConfig | null;
  /** LLM-as-judge: a chat model, its rubric and the top of its 1..scale score. */
  judge?: JudgeMetricConfig | null;
}
/** The LLM-as-judge metric: the model, the rubric it grades by, and its scale (scores 1..scale, reported as (s − 1)/(scale − 1)). */
export interface JudgeMetricConfig extends ModelEndpointConfig {
  rubric: string;
  scale: number;
}

/** A complete, validated experiment configuration (every default filled in). */
export interface ExperimentConfig {
  modelName: string;
  reasoningMethod: ReasoningMethod;
  datasetName: string;
  numSamples: number;
  /** The share of samples (0..1) that may fail before the run ends FAILED; older stored configs lack it. */
  failureThreshold?: number;
  hyperparameters: GenerationParams;
  provider: ProviderConfig;
  optimization: OptimizationConfig;
  agent: AgentConfig | null;
  rag: RagConfig | null;
  pricing: PricingConfig | null;
  /** The stored prompt version whose text replaces the method's instructions; null: the method's own. */
  prompt: PromptSelection | null;
  /** Assertions on each sample's answer, besides answer matching; empty: none. */
  graders: GraderConfig[];
  /** Absent (or null) when no model-graded metric is asked for. */
  metrics?: MetricsConfig | null;
}

/** What a client may send: every field optional, defaults come from {@link DEFAULTS}. */
export interface ExperimentConfigInput {
  modelName?: string | null;
  reasoningMethod?: string | null;
  datasetName?: string | null;
  numSamples?: number | null;
  failureThreshold?: number | null;
  hyperparameters?: Partial<Record<keyof GenerationParams, unknown>> | null;
  provider?: {
    kind?: string | null;
    latencyMs?: number | null;
    jitterMs?: number | null;
    hfProvider?: string | null;
    endpointUrl?: string | null;
    baseUrl?: string | null;
    timeoutMs?: number | null;
    maxAttempts?: number | null;
  } | null;
  optimization?: Partial<Record<keyof OptimizationConfig, unknown>> | null;
  agent?: { maxIterations?: number | null; tools?: string[] | null } | null;
  rag?: {
    retrieval?: string | null;
    topK?: number | null;
    knowledgeBase?: string | null;
    embedding?: ModelEndpointInput | null;
    reranker?: ModelEndpointInput | null;
  } | null;
  pricing?: {
    inputPerMillionTokens?: number | null;
    outputPerMillionTokens?: number | null;
  } | null;
  prompt?: { name?: string | null; version?: number | null } | null;
  graders?: GraderInput[] | null;
  metrics?: {
    semanticSimilarity?: ModelEndpointInput | null;
    faithfulness?: ModelEndpointInput | null;
    contextRelevance?: ModelEndpointInput | null;
    judge?: JudgeMetricInput | null;
  } | null;
}

export interface JudgeMetricInput extends ModelEndpointInput {
  rubric?: string | null;
  scale?: number | null;
}

export interface ModelEndpointInput {
  provider?: ExperimentConfigInput['provider'];
  model?: string | null;
}

/** Lookups that need the stored data: a prompt version's template, and the metadata fields of a dataset's records. */
export interface ConfigLookups {
  promptTemplate?: (name: string, version: number) => string | undefined;
  metadataFields?: (dataset: string) => ReadonlySet<string>;
}

export interface ExperimentInput {
  name?: string | null;
  description?: string | null;
  config?: ExperimentConfigInput | null;
}

export interface ValidatedExperiment {
  name: string;
  description: string | null;
  config: ExperimentConfig;
}

/** A numeric range; `minExclusive` leaves `min` itself out. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: boolean;
}

/**
 * Every limit of an experiment, in one place: the validator below, the GraphQL input descriptions,
 * the web form and the README table (checked by a test) all read them from here.
 */
export const LIMITS = {
  nameLength: 255,
  descriptionLength: 10_000,
  /** Model, dataset and other identifiers. */
  identifierLength: 255,
  hfProviderLength: 100,
  numSamples: { min: 1, max: 100_000 },
  failureThreshold: { min: 0, max: 1 },
  temperature: { min: 0, max: 2 },
  maxTokens: { min: 1, max: 32_768 },
  topP: { min: 0, max: 1, minExclusive: true },
  seed: { min: 0, max: 2 ** 31 - 1 },
  batchSize: { min: 1, max: 32 },
  cacheMaxSize: { min: 16, max: 2048 },
  maxIterations: { min: 1, max: 20 },
  topK: { min: 1, max: 20 },
  /** Sampling topK (generation), as the predecessor accepted. */
  samplingTopK: { min: 1, max: 1000 },
  latencyMs: { min: 0, max: 600_000 },
  timeoutMs: { min: 10, max: 600_000 },
  maxAttempts: { min: 1, max: 10 },
  stopSequences: 16,
  stopSequenceLength: 200,
  pricePerMillionTokens: { min: 0, max: 1_000_000 },
  /** The top of an LLM-as-judge scale (scores 1..scale). */
  judgeScale: { min: 2, max: 10 },
  judgeRubricLength: 4000,
  /** Results judgeExperiment grades in one call. */
  judgeSampleSize: { min: 1, max: 1000 },
  /** generateDataset: pairs asked of the generator per chunk, and chunks used. */
  pairsPerChunk: { min: 1, max: 5 },
  maxChunks: { min: 1, max: 200 },
  /** How long the batched event subscription gathers events into one frame. */
  eventBatchDelayMs: { min: 10, max: 10_000 },
} as const;

/** Whether `n` lies in `range`. */
export function inRange(n: number, range: Range): boolean {
  return n <= range.max && (range.minExclusive ? n > range.min : n >= range.min);
}

/** A number as the documentation writes it: groups of three digits from 10 000 on. */
export function formatLimit(n: number): string {
  return Math.abs(n) >= 10_000 ? n.toLocaleString('en-US').replaceAll(',', ' ') : String(n);
}

/** A range as the documentation writes it: `1..100 000`, or `(0, 1]` when the minimum is left out. */
export function describeRange(range: Range): string {
  const [min, max] = [formatLimit(range.min), formatLimit(range.max)];
  return range.minExclusive ? `(${min}, ${max}]` : `${min}..${max}`;
}

/** What a value outside `range` is told, in the same words by the server and by the web form. */
export function rangeMessage(range: Range): string {
  return range.minExclusive
    ? `must be in (${range.min}, ${range.max}]`
    : `must be between ${range.min} and ${range.max}`;
}

export const DEFAULTS = {
  modelName: 'meta-llama/Llama-3.2-1B-Instruct',
  reasoningMethod: 'NAIVE' as ReasoningMethod,
  providerKind: 'SIMULATED' as ProviderKind,
  datasetName: 'trivia_qa',
  numSamples: 100,
  failureThreshold: 0.5,
  hyperparameters: { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] as string[] },
  simulated: { latencyMs: 50, jitterMs: 0 },
  remote: { timeoutMs: 60_000, maxAttempts: 8 },
  optimization: {
    enableBatching: false,
    batchSize: 8,
    enableCaching: false,
    cacheMaxSize: 256,
    enableProfiling: true,
  },
  agent: { maxIterations: 5, tools: ['calculator', 'search'] as AgentTool[] },
  rag: { retrieval: 'BM25' as RetrievalMethod, topK: 3, knowledgeBase: 'builtin' },
  /** The offline embedding model and reranker the dense methods use unless given others. */
  embeddingModel: DEFAULT_SIMULATED_EMBEDDING_MODEL,
  rerankerModel: SIMULATED_RERANKER_MODELS[0],
  /** The chat model of a judge-graded metric unless given another (any name works with SIMULATED). */
  judgeModel: 'simulated-judge',
  judgeScale: 5,
  judgeRubric:
    'The answer is correct and complete for the question, and says nothing false. Judge the facts, not the wording.',
  /** generateDataset: pairs per chunk, chunks and seed when not given. */
  generation: { pairsPerChunk: 3, maxChunks: 10, seed: 42 },
  /** experimentEventBatches without maxDelayMs: a batch about ten times a second. */
  eventBatchDelayMs: 100,
} as const;

/**
 * Checks every field of an experiment against {@link LIMITS} and fills in {@link DEFAULTS}.
 * Throws a {@link ValidationError} naming the first offending field; never partially applies anything.
 */
export function validateExperimentInput(
  input: ExperimentInput,
  datasetExists: (name: string) => boolean,
  knowledgeBaseExists: (name: string) => boolean = (name) => name === DEFAULTS.rag.knowledgeBase,
  lookups: ConfigLookups = {},
): ValidatedExperiment {
  const name = requiredText(input.name, 'name', LIMITS.nameLength);
  const description = optionalText(input.description, 'description', LIMITS.descriptionLength);
  const config = validateConfig(input.config ?? {}, datasetExists, knowledgeBaseExists, lookups);
  return { name, description, config };
}

export function validateConfig(
  input: ExperimentConfigInput,
  datasetExists: (name: string) => boolean,
  knowledgeBaseExists: (name: string) => boolean = (name) => name === DEFAULTS.rag.knowledgeBase,
  lookups: ConfigLookups = {},
): ExperimentConfig {
  const reasoningMethod = oneOf(
    input.reasoningMethod ?? DEFAULTS.reasoningMethod,
    REASONING_METHODS,
    'config.reasoningMethod',
  );
  const datasetName = requiredText(
    input.datasetName ?? DEFAULTS.datasetName,
    'config.datasetName',
    LIMITS.identifierLength,
  );
  if (!datasetExists(datasetName)) {
    throw new ValidationError(
      'config.datasetName',
      `unknown dataset "${datasetName}" (see the datasets query)`,
    );
  }
  const provider = validateProvider(input.provider ?? {});
  const rag = validateRag(input.rag, reasoningMethod, knowledgeBaseExists);
  return {
    modelName: requiredText(
      input.modelName ?? DEFAULTS.modelName,
      'config.modelName',
      LIMITS.identifierLength,
    ),
    reasoningMethod,
    datasetName,
    numSamples: integerIn(
      input.numSamples ?? DEFAULTS.numSamples,
      LIMITS.numSamples,
      'config.numSamples',
    ),
    failureThreshold: numberIn(
      input.failureThreshold ?? DEFAULTS.failureThreshold,
      LIMITS.failureThreshold,
      'config.failureThreshold',
    ),
    hyperparameters: validateHyperparameters(input.hyperparameters ?? {}, provider.kind),
    provider,
    optimization: validateOptimization(input.optimization ?? {}),
    agent: validateAgent(input.agent, reasoningMethod),
    rag,
    pricing: validatePricing(input.pricing),
    prompt: validatePrompt(
      input.prompt,
      { datasetName, retrieves: rag !== null && reasoningMethod !== 'REACT' },
      lookups,
    ),
    graders: validateGraders(input.graders),
    ...(input.metrics != null && Object.values(input.metrics).some((metric) => metric != null)
      ? { metrics: validateMetrics(input.metrics) }
      : {}),
  };
}

function validateMetrics(input: NonNullable<ExperimentConfigInput['metrics']>): MetricsConfig {
  return {
    semanticSimilarity:
      input.semanticSimilarity == null
        ? null
        : validateModelEndpoint(
            input.semanticSimilarity,
            'config.metrics.semanticSimilarity',
            DEFAULTS.embeddingModel,
          ),
    // Only the metrics that are on: a configuration without them stays as it was (and so its manifest hash).
    ...(input.faithfulness != null
      ? { faithfulness: validateChatEndpoint(input.faithfulness, 'config.metrics.faithfulness') }
      : {}),
    ...(input.contextRelevance != null
      ? {
          contextRelevance: validateChatEndpoint(
            input.contextRelevance,
            'config.metrics.contextRelevance',
          ),
        }
      : {}),
    ...(input.judge != null
      ? { judge: validateJudgeMetric(input.judge, 'config.metrics.judge') }
      : {}),
  };
}

/** A chat model that grades: any provider; SIMULATED answers as a judge offline under any model name. */
function validateChatEndpoint(input: ModelEndpointInput, field: string): ModelEndpointConfig {
  const provider = validateProvider(input.provider ?? {}, `${field}.provider`);
  const model =
    provider.kind === 'SIMULATED' && input.model == null
      ? DEFAULTS.judgeModel
      : requiredText(input.model, `${field}.model`, LIMITS.identifierLength);
  return { provider, model };
}

/** The LLM-as-judge metric (also what judgeExperiment takes). */
export function validateJudgeMetric(input: JudgeMetricInput, field: string): JudgeMetricConfig {
  const endpoint = validateChatEndpoint(input, field);
  return {
    ...endpoint,
    rubric:
      input.rubric == null
        ? DEFAULTS.judgeRubric
        : requiredText(input.rubric, `${field}.rubric`, LIMITS.judgeRubricLength),
    scale: integerIn(input.scale ?? DEFAULTS.judgeScale, LIMITS.judgeScale, `${field}.scale`),
  };
}

/** Resolves `config.prompt` to the stored version's template and checks every variable has a value in this experiment. */
function validatePrompt(
  input: ExperimentConfigInput['prompt'],
  experiment: { datasetName: string; retrieves: boolean },
  lookups: ConfigLookups,
): PromptSelection | null {
  if (input == null) return null;
  const name = requiredText(input.name, 'config.prompt.name', LIMITS.identifierLength);
  const version = integerIn(input.version, { min: 1, max: 1_000_000 }, 'config.prompt.version');
  const template = lookups.promptTemplate?.(name, version);
  if (template === undefined)
    throw new ValidationError(
      'config.prompt',
      `unknown prompt "${name}" version ${version} (see the prompts query)`,
    );
  checkTemplateVariables(
    templateVariables(template, 'config.prompt'),
    {
      context: experiment.retrieves,
      metadataFields: lookups.metadataFields?.(experiment.datasetName) ?? new Set(),
    },
    'config.prompt',
  );
  return { name, version, template };
}

/** Providers whose API takes a sampling topK; OpenAI-style chat completions have no such parameter. */
const TAKES_TOP_K: readonly ProviderKind[] = ['SIMULATED', 'HUGGINGFACE'];

function validateHyperparameters(
  input: Partial<Record<keyof GenerationParams, unknown>>,
  providerKind: ProviderKind,
): GenerationParams {
  const d = DEFAULTS.hyperparameters;
  const topK =
    input.topK == null
      ? undefined
      : integerIn(input.topK, LIMITS.samplingTopK, 'config.hyperparameters.topK');
  if (topK !== undefined && !TAKES_TOP_K.includes(providerKind)) {
    throw new ValidationError(
      'config.hyperparameters.topK',
      `the ${providerKind} provider does not take topK (only ${TAKES_TOP_K.join(' and ')} do); leave it out`,
    );
  }
  return {
    ...(topK === undefined ? {} : { topK }),
    temperature: numberIn(
      input.temperature ?? d.temperature,
      LIMITS.temperature,
      'config.hyperparameters.temperature',
    ),
    maxTokens: integerIn(
      input.maxTokens ?? d.maxTokens,
      LIMITS.maxTokens,
      'config.hyperparameters.maxTokens',
    ),
    topP: numberIn(input.topP ?? d.topP, LIMITS.topP, 'config.hyperparameters.topP'),
    seed: integerIn(input.seed ?? d.seed, LIMITS.seed, 'config.hyperparameters.seed'),
    stop: validateStop(input.stop ?? d.stop),
  };
}

function validateStop(value: unknown): string[] {
  const field = 'config.hyperparameters.stop';
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be a list of strings');
  if (value.length > LIMITS.stopSequences) {
    throw new ValidationError(field, `at most ${LIMITS.stopSequences} stop sequences`);
  }
  return value.map((s) => {
    if (typeof s !== 'string' || s.length === 0 || s.length > LIMITS.stopSequenceLength) {
      throw new ValidationError(
        field,
        `each stop sequence is 1..${LIMITS.stopSequenceLength} characters`,
      );
    }
    return s;
  });
}

function validateProvider(
  input: NonNullable<ExperimentConfigInput['provider']>,
  field = 'config.provider',
): ProviderConfig {
  const kind: ProviderKind = oneOf(
    input.kind ?? DEFAULTS.providerKind,
    PROVIDER_KINDS,
    `${field}.kind`,
  );
  rejectFieldsOfOtherKinds(input, kind, field);
  switch (kind) {
    case 'SIMULATED':
      return {
        kind,
        latencyMs: integerIn(
          input.latencyMs ?? DEFAULTS.simulated.latencyMs,
          LIMITS.latencyMs,
          `${field}.latencyMs`,
        ),
        jitterMs: integerIn(
          input.jitterMs ?? DEFAULTS.simulated.jitterMs,
          LIMITS.latencyMs,
          `${field}.jitterMs`,
        ),
      };
    case 'HUGGINGFACE': {
      const endpointUrl =
        input.endpointUrl == null ? null : httpUrl(input.endpointUrl, `${field}.endpointUrl`);
      const hfProvider =
        input.hfProvider == null
          ? null
          : requiredText(input.hfProvider, `${field}.hfProvider`, LIMITS.hfProviderLength);
      if (endpointUrl && hfProvider) {
        throw new ValidationError(
          `${field}.hfProvider`,
          'give either hfProvider or endpointUrl, not both',
        );
      }
      return { kind, hfProvider, endpointUrl, ...validateRemoteCall(input, field) };
    }
    case 'OPENAI_COMPATIBLE':
      if (input.baseUrl == null)
        throw new ValidationError(`${field}.baseUrl`, 'is required for OPENAI_COMPATIBLE');
      return {
        kind,
        baseUrl: httpUrl(input.baseUrl, `${field}.baseUrl`),
        ...validateRemoteCall(input, field),
      };
  }
}

function validateRemoteCall(
  input: NonNullable<ExperimentConfigInput['provider']>,
  field: string,
): RemoteCallConfig {
  const d = DEFAULTS.remote;
  return {
    timeoutMs: integerIn(input.timeoutMs ?? d.timeoutMs, LIMITS.timeoutMs, `${field}.timeoutMs`),
    maxAttempts: integerIn(
      input.maxAttempts ?? d.maxAttempts,
      LIMITS.maxAttempts,
      `${field}.maxAttempts`,
    ),
  };
}

const PROVIDER_FIELDS: Record<ProviderKind, readonly string[]> = {
  SIMULATED: ['latencyMs', 'jitterMs'],
  HUGGINGFACE: ['hfProvider', 'endpointUrl', 'timeoutMs', 'maxAttempts'],
  OPENAI_COMPATIBLE: ['baseUrl', 'timeoutMs', 'maxAttempts'],
};

function rejectFieldsOfOtherKinds(
  input: Record<string, unknown>,
  kind: ProviderKind,
  prefix: string,
): void {
  for (const [otherKind, fields] of Object.entries(PROVIDER_FIELDS)) {
    if (otherKind === kind) continue;
    for (const field of fields) {
      if (PROVIDER_FIELDS[kind].includes(field)) continue;
      if (input[field] == null) continue;
      const kinds = PROVIDER_KINDS.filter((k) => PROVIDER_FIELDS[k].includes(field));
      throw new ValidationError(`${prefix}.${field}`, `only applies to ${kinds.join(' and ')}`);
    }
  }
}

function validateOptimization(
  input: Partial<Record<keyof OptimizationConfig, unknown>>,
): OptimizationConfig {
  const d = DEFAULTS.optimization;
  return {
    enableBatching: booleanValue(
      input.enableBatching ?? d.enableBatching,
      'config.optimization.enableBatching',
    ),
    batchSize: integerIn(
      input.batchSize ?? d.batchSize,
      LIMITS.batchSize,
      'config.optimization.batchSize',
    ),
    enableCaching: booleanValue(
      input.enableCaching ?? d.enableCaching,
      'config.optimization.enableCaching',
    ),
    cacheMaxSize: integerIn(
      input.cacheMaxSize ?? d.cacheMaxSize,
      LIMITS.cacheMaxSize,
      'config.optimization.cacheMaxSize',
    ),
    enableProfiling: booleanValue(
      input.enableProfiling ?? d.enableProfiling,
      'config.optimization.enableProfiling',
    ),
  };
}

function validateAgent(
  input: ExperimentConfigInput['agent'],
  method: ReasoningMethod,
): AgentConfig | null {
  if (input != null && method !== 'REACT')
    throw new ValidationError('config.agent', 'only applies to reasoningMethod REACT');
  if (method !== 'REACT') return null;
  const tools = input?.tools ?? DEFAULTS.agent.tools;
  if (tools.length === 0)
    throw new ValidationError('config.agent.tools', 'needs at least one tool');
  return {
    maxIterations: integerIn(
      input?.maxIterations ?? DEFAULTS.agent.maxIterations,
      LIMITS.maxIterations,
      'config.agent.maxIterations',
    ),
    tools: [...new Set(tools.map((tool) => oneOf(tool, AGENT_TOOLS, 'config.agent.tools')))],
  };
}

/**
 * Retrieval is an option of any method: RAG always retrieves (RAG is shorthand for NAIVE with
 * retrieval); NAIVE and COT retrieve when `rag` is given; REACT uses `rag.knowledgeBase` for its search tool.
 */
function validateRag(
  input: ExperimentConfigInput['rag'],
  method: ReasoningMethod,
  knowledgeBaseExists: (name: string) => boolean,
): RagConfig | null {
  if (input == null && method !== 'RAG') return null;
  const knowledgeBase = requiredText(
    input?.knowledgeBase ?? DEFAULTS.rag.knowledgeBase,
    'config.rag.knowledgeBase',
    255,
  );
  if (!knowledgeBaseExists(knowledgeBase)) {
    throw new ValidationError(
      'config.rag.knowledgeBase',
      `unknown knowledge base "${knowledgeBase}" (see the knowledgeBases query)`,
    );
  }
  const retrieval = oneOf(
    input?.retrieval ?? DEFAULTS.rag.retrieval,
    RETRIEVAL_METHODS,
    'config.rag.retrieval',
  );
  const dense = retrieval !== 'BM25';
  return {
    retrieval,
    topK: integerIn(input?.topK ?? DEFAULTS.rag.topK, LIMITS.topK, 'config.rag.topK'),
    knowledgeBase,
    embedding:
      input?.embedding != null || dense
        ? validateModelEndpoint(
            input?.embedding ?? {},
            'config.rag.embedding',
            DEFAULTS.embeddingModel,
          )
        : null,
    reranker:
      input?.reranker != null || retrieval === 'RERANKED'
        ? validateModelEndpoint(
            input?.reranker ?? {},
            'config.rag.reranker',
            DEFAULTS.rerankerModel,
          )
        : null,
  };
}

/**
 * An embedding model or reranker: SIMULATED (the offline lexical models, default), OPENAI_COMPATIBLE
 * (`/v1/embeddings`, `/rerank`) or HUGGINGFACE (feature extraction; text classification of
 * (query, passage) pairs for a cross-encoder reranker).
 */
export function validateModelEndpoint(
  input: ModelEndpointInput,
  field: string,
  simulatedDefault: string,
): ModelEndpointConfig {
  const provider = validateProvider(input.provider ?? {}, `${field}.provider`);
  if (provider.kind === 'SIMULATED') {
    const model = input.model ?? simulatedDefault;
    const known: readonly string[] = field.endsWith('reranker')
      ? SIMULATED_RERANKER_MODELS
      : Object.keys(SIMULATED_EMBEDDING_MODELS);
    if (!known.includes(model))
      throw new ValidationError(
        `${field}.model`,
        `unknown simulated model "${model}" (known: ${known.join(', ')})`,
      );
    return { provider, model };
  }
  return { provider, model: requiredText(input.model, `${field}.model`, LIMITS.identifierLength) };
}

/** The model a dataset generator calls: any provider; the model name defaults to {@link DEFAULTS.modelName} for SIMULATED only. */
export function validateGenerator(input: ModelEndpointInput, field: string): ModelEndpointConfig {
  const provider = validateProvider(input.provider ?? {}, `${field}.provider`);
  const model =
    input.model == null && provider.kind === 'SIMULATED' ? DEFAULTS.modelName : input.model;
  return { provider, model: requiredText(model, `${field}.model`, LIMITS.identifierLength) };
}

/** A whole number in `range`, else BAD_USER_INPUT on `field`. */
export function checkedInteger(value: unknown, range: Range, field: string): number {
  return integerIn(value, range, field);
}

function validatePricing(input: ExperimentConfigInput['pricing']): PricingConfig | null {
  if (input == null) return null;
  const range = LIMITS.pricePerMillionTokens;
  return {
    inputPerMillionTokens: numberIn(
      input.inputPerMillionTokens ?? 0,
      range,
      'config.pricing.inputPerMillionTokens',
    ),
    outputPerMillionTokens: numberIn(
      input.outputPerMillionTokens ?? 0,
      range,
      'config.pricing.outputPerMillionTokens',
    ),
  };
}

function requiredText(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw new ValidationError(field, 'must not be empty');
  if (value.length > maxLength)
    throw new ValidationError(field, `must be at most ${maxLength} characters`);
  refuseNul(value, field);
  return value.trim();
}

function optionalText(value: unknown, field: string, maxLength: number): string | null {
  if (value == null) return null;
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  if (value.length > maxLength)
    throw new ValidationError(field, `must be at most ${maxLength} characters`);
  refuseNul(value, field);
  return value;
}

/** A NUL character is never meaningful in a name or a description, and breaks C-string consumers downstream. */
export function refuseNul(value: string, field: string): void {
  if (value.includes('\u0000'))
    throw new ValidationError(field, 'must not contain the NUL character (U+0000)');
}

function numberValue(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ValidationError(field, 'must be a finite number');
  return value;
}

function numberIn(value: unknown, range: Range, field: string): number {
  const n = numberValue(value, field);
  if (!inRange(n, range)) throw new ValidationError(field, rangeMessage(range));
  return n;
}

function integerIn(value: unknown, range: Range, field: string): number {
  const n = numberIn(value, range, field);
  if (!Number.isInteger(n)) throw new ValidationError(field, 'must be a whole number');
  return n;
}

function booleanValue(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be true or false');
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ValidationError(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ValidationError(field, 'must use http or https');
  if (url.username || url.password)
    throw new ValidationError(field, 'must not embed credentials; keys are passed separately');
  return value.replace(/\/+$/, '');
}
