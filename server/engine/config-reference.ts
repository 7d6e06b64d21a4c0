import { GRADER_KINDS, GRADER_LIMITS } from './graders/config.ts';
import { SIMULATED_EMBEDDING_MODELS } from './embeddings/simulated-models.ts';
import { DEFAULTS, describeRange, formatLimit, LIMITS } from './experiment-config.ts';
import { REASONING_METHODS, RETRIEVAL_METHODS } from './types.ts';

/** One row of the README's experiment-configuration table. */
export interface ConfigReferenceRow {
  field: string;
  default: string;
  limits: string;
}

const code = (text: string | number | boolean) => `\`${text}\``;
const d = DEFAULTS;
const h = d.hyperparameters;
const range = describeRange;

/** The experiment-configuration table of the README, built from {@link LIMITS} and {@link DEFAULTS}. */
export function configReference(): ConfigReferenceRow[] {
  const optimization = (name: keyof typeof d.optimization, limits = '') => ({
    field: code(`config.optimization.${name}`),
    default: String(d.optimization[name]),
    limits,
  });
  return [
    { field: code('name'), default: '—', limits: `1..${LIMITS.nameLength} characters` },
    {
      field: code('description'),
      default: 'null',
      limits: `≤ ${formatLimit(LIMITS.descriptionLength)} characters`,
    },
    { field: code('config.modelName'), default: code(d.modelName), limits: 'non-empty' },
    {
      field: code('config.reasoningMethod'),
      default: code(d.reasoningMethod),
      limits: `${REASONING_METHODS.map(code).join(', ')} (see [Methods](#methods))`,
    },
    {
      field: code('config.datasetName'),
      default: code(d.datasetName),
      limits: 'a registered dataset (`datasets` query)',
    },
    {
      field: code('config.numSamples'),
      default: String(d.numSamples),
      limits: `${range(LIMITS.numSamples)}; capped at the dataset size; a seeded sample`,
    },
    {
      field: code('config.failureThreshold'),
      default: `${d.failureThreshold}`,
      limits:
        `${range(LIMITS.failureThreshold)}: the share of samples that may fail; as soon as more have failed the run stops and ` +
        'ends `FAILED` with the reason (`0`: any failure fails the run; `1`: never)',
    },
    {
      field: code('config.hyperparameters'),
      default: `temperature ${h.temperature}, maxTokens ${h.maxTokens}, topP ${h.topP}, seed ${h.seed}, stop [], topK none`,
      limits:
        `temperature ${range(LIMITS.temperature)}, maxTokens ${range(LIMITS.maxTokens)}, topP ${range(LIMITS.topP)}, ` +
        `≤ ${LIMITS.stopSequences} stop sequences; \`topK\` ${range(LIMITS.samplingTopK)} (sampling from the top K tokens) ` +
        'is sent to `HUGGINGFACE` as `top_k`, accepted by `SIMULATED`, and refused for `OPENAI_COMPATIBLE`, whose API has ' +
        'no such parameter (`BAD_USER_INPUT`, field `config.hyperparameters.topK`)',
    },
    {
      field: code('config.provider'),
      default: code(
        `{ kind: ${d.providerKind}, latencyMs: ${d.simulated.latencyMs}, jitterMs: ${d.simulated.jitterMs} }`,
      ),
      limits:
        '`SIMULATED`, `HUGGINGFACE` (`hfProvider` or `endpointUrl`), `OPENAI_COMPATIBLE` (`baseUrl`); both remote kinds ' +
        `take \`timeoutMs\` (per attempt, ${range(LIMITS.timeoutMs)}, default ${formatLimit(d.remote.timeoutMs)}) and ` +
        `\`maxAttempts\` (${range(LIMITS.maxAttempts)}, default ${d.remote.maxAttempts})`,
    },
    optimization('enableBatching'),
    optimization('batchSize', `${range(LIMITS.batchSize)}: the most API calls in flight at once`),
    optimization('enableCaching'),
    optimization('cacheMaxSize', `${range(LIMITS.cacheMaxSize)} entries`),
    optimization('enableProfiling'),
    {
      field: code('config.agent'),
      default: `maxIterations ${d.agent.maxIterations}, tools [${d.agent.tools.join(', ')}]`,
      limits: `only with \`REACT\`; maxIterations ${range(LIMITS.maxIterations)}`,
    },
    {
      field: code('config.rag'),
      default: `retrieval ${d.rag.retrieval}, topK ${d.rag.topK}, knowledgeBase ${code(d.rag.knowledgeBase)}`,
      limits:
        'always on for `RAG`; given with `NAIVE` or `COT` it adds retrieval to them; with `REACT` its `knowledgeBase` is ' +
        `the search tool's corpus. ${RETRIEVAL_METHODS.map(code).join(' or ')}; topK ${range(LIMITS.topK)}; ` +
        '`knowledgeBase` a name from the `knowledgeBases` query',
    },
    {
      field: code('config.rag.embedding'),
      default: `SIMULATED ${code(d.embeddingModel)} with DENSE, HYBRID, RERANKED; else null`,
      limits: `{ provider, model }: SIMULATED ${Object.keys(SIMULATED_EMBEDDING_MODELS).map(code).join(' or ')}; OPENAI_COMPATIBLE (\`/v1/embeddings\`) or HUGGINGFACE (feature extraction): model required`,
    },
    {
      field: code('config.rag.reranker'),
      default: `SIMULATED ${code(d.rerankerModel)} with RERANKED; else null`,
      limits:
        '{ provider, model }: SIMULATED, or OPENAI_COMPATIBLE with a `/rerank` endpoint (model required)',
    },
    {
      field: code('config.metrics.semanticSimilarity'),
      default: 'null (off)',
      limits: `{ provider, model } of an embedding model; \`{}\`: SIMULATED ${code(d.embeddingModel)}`,
    },
    {
      field: code('config.metrics.faithfulness'),
      default: 'null (off)',
      limits: `{ provider, model } of a chat model (any provider; \`{}\`: SIMULATED ${code(d.judgeModel)}); also gives \`hallucinationRate\`; retrieval-augmented samples only`,
    },
    {
      field: code('config.metrics.contextRelevance'),
      default: 'null (off)',
      limits: `{ provider, model } of a chat model, as faithfulness; retrieval-augmented samples only`,
    },
    {
      field: code('config.metrics.judge'),
      default: 'null (off)',
      limits: `{ provider, model, rubric, scale }: rubric ≤ ${formatLimit(LIMITS.judgeRubricLength)} characters (default: correct, complete, nothing false); scale ${range(LIMITS.judgeScale)}, default ${d.judgeScale}; score s reported as (s − 1)/(scale − 1)`,
    },
    {
      field: code('config.pricing'),
      default: 'null',
      limits:
        '`inputPerMillionTokens`, `outputPerMillionTokens` (USD) → `metrics.estimatedCostUsd`',
    },
    {
      field: code('config.prompt'),
      default: 'null (the method’s own instructions)',
      limits:
        '`{name, version}` of a stored prompt (`prompts` query); every `{{variable}}` must have a value in this experiment',
    },
    {
      field: code('config.graders'),
      default: '[]',
      limits: `at most ${GRADER_LIMITS.graders}: \`{kind, value, path, tolerance, weight}\`, kinds ${GRADER_KINDS.map(code).join(', ')}; weight ${GRADER_LIMITS.weight.min}..${GRADER_LIMITS.weight.max}, default 1`,
    },
  ];
}

/** The same table as Markdown, as the README must show it. */
export function configReferenceMarkdown(): string {
  const rows = configReference().map((row) =>
    `| ${row.field} | ${row.default} | ${row.limits} |`.replace(/ {2}\|$/, ' |'),
  );
  return ['| field | default | limits / meaning |', '|---|---|---|', ...rows].join('\n');
}
