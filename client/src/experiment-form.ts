import {
  DEFAULTS,
  inRange,
  LIMITS,
  rangeMessage,
  type AgentTool,
  type Range,
} from '../../server/engine/experiment-config.ts';
import {
  SIMULATED_EMBEDDING_MODELS,
  SIMULATED_RERANKER_MODELS,
} from '../../server/engine/embeddings/simulated-models.ts';
import type { VariablesOf } from './graphql.ts';
import type { LaunchExperimentMutation } from './operations/form.ts';

// The limits and defaults are the server's own, so the form never disagrees with it.
export { LIMITS };

/** The offline embedding models and reranker the RAG fields offer when the provider is SIMULATED. */
export const SIMULATED_EMBEDDINGS = Object.keys(SIMULATED_EMBEDDING_MODELS);
export const SIMULATED_RERANKERS: readonly string[] = SIMULATED_RERANKER_MODELS;

export type ExperimentInput = VariablesOf<typeof LaunchExperimentMutation>['input'];
type ConfigInput = NonNullable<ExperimentInput['config']>;
export type ProviderKindValue = NonNullable<NonNullable<ConfigInput['provider']>['kind']>;
export type MethodValue = NonNullable<ConfigInput['reasoningMethod']>;
export type RetrievalValue = NonNullable<NonNullable<ConfigInput['rag']>['retrieval']>;
export type GraderKindValue = NonNullable<ConfigInput['graders']>[number]['kind'];

/** One grader as typed: every field text, sent only when filled in. */
export interface GraderRow {
  kind: GraderKindValue;
  value: string;
  path: string;
  tolerance: string;
  weight: string;
}

/**
 * An embedding model or reranker as typed. `endpoint` is the base URL of an OPENAI_COMPATIBLE server
 * (required) or a Hugging Face dedicated endpoint (optional; empty: the router).
 */
export interface EndpointRow {
  provider: ProviderKindValue;
  model: string;
  endpoint: string;
}

/** What the form holds: text as typed, so a half-typed number is not lost. */
export interface FormState {
  name: string;
  description: string;
  modelName: string;
  providerKind: ProviderKindValue;
  latencyMs: string;
  jitterMs: string;
  hfProvider: string;
  endpointUrl: string;
  baseUrl: string;
  apiKey: string;
  reasoningMethod: MethodValue;
  datasetName: string;
  numSamples: string;
  temperature: string;
  maxTokens: string;
  topP: string;
  seed: string;
  maxIterations: string;
  tools: AgentTool[];
  retrieval: RetrievalValue;
  topK: string;
  /** DENSE, HYBRID, RERANKED: the embedding model and where it runs. */
  embedding: EndpointRow;
  /** RERANKED: the cross-encoder and where it runs. */
  reranker: EndpointRow;
  enableBatching: boolean;
  batchSize: string;
  enableCaching: boolean;
  cacheMaxSize: string;
  enableProfiling: boolean;
  /** A stored prompt to run with; empty: the method's own instructions. */
  promptName: string;
  promptVersion: string;
  graders: GraderRow[];
  /** Model-graded metrics to switch on, each with the offline simulated model (other models: through the API). */
  metrics: Record<ModelGradedChoice, boolean>;
  judgeRubric: string;
  judgeScale: string;
}

export const MODEL_GRADED_CHOICES = [
  'semanticSimilarity',
  'faithfulness',
  'contextRelevance',
  'judge',
] as const;
export type ModelGradedChoice = (typeof MODEL_GRADED_CHOICES)[number];

export const INITIAL_FORM: FormState = {
  name: '',
  description: '',
  modelName: DEFAULTS.modelName,
  providerKind: DEFAULTS.providerKind,
  latencyMs: String(DEFAULTS.simulated.latencyMs),
  jitterMs: String(DEFAULTS.simulated.jitterMs),
  hfProvider: '',
  endpointUrl: '',
  baseUrl: '',
  apiKey: '',
  reasoningMethod: DEFAULTS.reasoningMethod,
  datasetName: DEFAULTS.datasetName,
  numSamples: String(DEFAULTS.numSamples),
  temperature: String(DEFAULTS.hyperparameters.temperature),
  maxTokens: String(DEFAULTS.hyperparameters.maxTokens),
  topP: String(DEFAULTS.hyperparameters.topP),
  seed: String(DEFAULTS.hyperparameters.seed),
  maxIterations: String(DEFAULTS.agent.maxIterations),
  tools: [...DEFAULTS.agent.tools],
  retrieval: DEFAULTS.rag.retrieval,
  topK: String(DEFAULTS.rag.topK),
  embedding: { provider: 'SIMULATED', model: DEFAULTS.embeddingModel, endpoint: '' },
  reranker: { provider: 'SIMULATED', model: DEFAULTS.rerankerModel, endpoint: '' },
  enableBatching: DEFAULTS.optimization.enableBatching,
  batchSize: String(DEFAULTS.optimization.batchSize),
  enableCaching: DEFAULTS.optimization.enableCaching,
  cacheMaxSize: String(DEFAULTS.optimization.cacheMaxSize),
  enableProfiling: DEFAULTS.optimization.enableProfiling,
  promptName: '',
  promptVersion: '1',
  graders: [],
  metrics: {
    semanticSimilarity: false,
    faithfulness: false,
    contextRelevance: false,
    judge: false,
  },
  judgeRubric: DEFAULTS.judgeRubric,
  judgeScale: String(DEFAULTS.judgeScale),
};

/** Error messages keyed by the server's field paths (`config.optimization.batchSize`…), so server errors land beside the same inputs. */
export type FieldErrors = Partial<Record<string, string>>;

export interface FormCheck {
  input: ExperimentInput | null;
  errors: FieldErrors;
}

/** Checks the form against the documented limits and builds the GraphQL input when it passes. */
export function checkForm(form: FormState): FormCheck {
  const errors: FieldErrors = {};
  const integer = (field: string, text: string, range: Range) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n)) errors[field] = 'must be a whole number';
    else if (!inRange(n, range)) errors[field] = rangeMessage(range);
    return n;
  };
  const decimal = (field: string, text: string, range: Range) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) errors[field] = 'must be a number';
    else if (!inRange(n, range)) errors[field] = rangeMessage(range);
    return n;
  };
  const required = (field: string, text: string, maxLength: number = LIMITS.identifierLength) => {
    if (text.trim() === '') errors[field] = 'must not be empty';
    else if (text.length > maxLength) errors[field] = `must be at most ${maxLength} characters`;
    return text.trim();
  };

  const name = required('name', form.name, LIMITS.nameLength);
  if (form.description.length > LIMITS.descriptionLength)
    errors.description = `must be at most ${LIMITS.descriptionLength} characters`;
  const config: ConfigInput = {
    modelName: required('config.modelName', form.modelName),
    reasoningMethod: form.reasoningMethod,
    datasetName: required('config.datasetName', form.datasetName),
    numSamples: integer('config.numSamples', form.numSamples, LIMITS.numSamples),
    hyperparameters: {
      temperature: decimal(
        'config.hyperparameters.temperature',
        form.temperature,
        LIMITS.temperature,
      ),
      maxTokens: integer('config.hyperparameters.maxTokens', form.maxTokens, LIMITS.maxTokens),
      topP: decimal('config.hyperparameters.topP', form.topP, LIMITS.topP),
      seed: integer('config.hyperparameters.seed', form.seed, LIMITS.seed),
    },
    provider: providerInput(form, integer, required),
    optimization: {
      enableBatching: form.enableBatching,
      enableCaching: form.enableCaching,
      enableProfiling: form.enableProfiling,
      // A disabled knob keeps its default: its size is not sent, so a stale value cannot be refused.
      ...(form.enableBatching
        ? { batchSize: integer('config.optimization.batchSize', form.batchSize, LIMITS.batchSize) }
        : {}),
      ...(form.enableCaching
        ? {
            cacheMaxSize: integer(
              'config.optimization.cacheMaxSize',
              form.cacheMaxSize,
              LIMITS.cacheMaxSize,
            ),
          }
        : {}),
    },
  };
  if (form.reasoningMethod === 'REACT') {
    if (form.tools.length === 0) errors['config.agent.tools'] = 'needs at least one tool';
    config.agent = {
      maxIterations: integer(
        'config.agent.maxIterations',
        form.maxIterations,
        LIMITS.maxIterations,
      ),
      tools: form.tools,
    };
  }
  if (form.reasoningMethod === 'RAG') {
    config.rag = {
      retrieval: form.retrieval,
      topK: integer('config.rag.topK', form.topK, LIMITS.topK),
      ...(form.retrieval !== 'BM25'
        ? { embedding: endpointInput(form.embedding, 'config.rag.embedding', required) }
        : {}),
      ...(form.retrieval === 'RERANKED'
        ? { reranker: endpointInput(form.reranker, 'config.rag.reranker', required) }
        : {}),
    };
  }
  if (form.promptName.trim() !== '') {
    config.prompt = {
      name: form.promptName.trim(),
      version: integer('config.prompt.version', form.promptVersion, { min: 1, max: 1_000_000 }),
    };
  }
  if (form.graders.length > 0) {
    config.graders = form.graders.map((row, i) => ({
      kind: row.kind,
      value: row.value === '' ? null : row.value,
      path: row.path.trim() === '' ? null : row.path.trim(),
      tolerance:
        row.tolerance.trim() === ''
          ? null
          : decimal(`config.graders[${i}].tolerance`, row.tolerance, {
              min: 0,
              max: Number.MAX_VALUE,
            }),
      weight:
        row.weight.trim() === ''
          ? null
          : decimal(`config.graders[${i}].weight`, row.weight, { min: 0, max: 1000 }),
    }));
  }
  if (MODEL_GRADED_CHOICES.some((metric) => form.metrics[metric])) {
    config.metrics = {
      ...(form.metrics.semanticSimilarity ? { semanticSimilarity: {} } : {}),
      ...(form.metrics.faithfulness ? { faithfulness: {} } : {}),
      ...(form.metrics.contextRelevance ? { contextRelevance: {} } : {}),
      ...(form.metrics.judge
        ? {
            judge: {
              rubric: required(
                'config.metrics.judge.rubric',
                form.judgeRubric,
                LIMITS.judgeRubricLength,
              ),
              scale: integer('config.metrics.judge.scale', form.judgeScale, LIMITS.judgeScale),
            },
          }
        : {}),
    };
  }
  const input: ExperimentInput = { name, description: form.description.trim() || null, config };
  return { input: Object.keys(errors).length === 0 ? input : null, errors };
}

function providerInput(
  form: FormState,
  integer: (field: string, text: string, range: Range) => number,
  required: (field: string, text: string) => string,
): ConfigInput['provider'] {
  switch (form.providerKind) {
    case 'SIMULATED':
      return {
        kind: 'SIMULATED',
        latencyMs: integer('config.provider.latencyMs', form.latencyMs, LIMITS.latencyMs),
        jitterMs: integer('config.provider.jitterMs', form.jitterMs, LIMITS.latencyMs),
      };
    case 'HUGGINGFACE':
      return {
        kind: 'HUGGINGFACE',
        hfProvider: form.hfProvider.trim() || null,
        endpointUrl: form.endpointUrl.trim() || null,
      };
    case 'OPENAI_COMPATIBLE':
      return {
        kind: 'OPENAI_COMPATIBLE',
        baseUrl: required('config.provider.baseUrl', form.baseUrl),
      };
  }
}

type RagInput = NonNullable<ConfigInput['rag']>;

function endpointInput(
  row: EndpointRow,
  field: string,
  required: (field: string, text: string) => string,
): RagInput['embedding'] {
  const model = required(`${field}.model`, row.model);
  switch (row.provider) {
    case 'SIMULATED':
      return { provider: { kind: 'SIMULATED' }, model };
    case 'HUGGINGFACE':
      return {
        provider: { kind: 'HUGGINGFACE', endpointUrl: row.endpoint.trim() || null },
        model,
      };
    case 'OPENAI_COMPATIBLE':
      return {
        provider: {
          kind: 'OPENAI_COMPATIBLE',
          baseUrl: required(`${field}.provider.baseUrl`, row.endpoint),
        },
        model,
      };
  }
}
