import { DEFAULTS, type ExperimentConfig, type RagConfig } from '../experiment-config.ts';
import type { DatasetRegistry } from '../datasets/registry.ts';
import { createEmbedder, createReranker, type EmbeddingDeps } from '../embeddings/index.ts';
import type { KnowledgeBaseEntry } from '../retrieval/catalog.ts';
import { Retriever } from '../retrieval/retriever.ts';
import { LimiterRegistry } from '../providers/adaptive-limiter.ts';
import { MemoryVectorIndexStore, type VectorIndexStore } from '../retrieval/vector-index.ts';
import type { ReasoningMethod } from '../types.ts';
import { createCotMethod } from './cot.ts';
import type { Method } from './method.ts';
import { createNaiveMethod } from './naive.ts';
import { createRagMethod } from './rag.ts';
import { createReactMethod } from './react.ts';
import { withRetrieval } from './retrieval.ts';
import { withPrompt } from '../prompts/prompted-method.ts';

/** The method settings of an experiment; missing ones take {@link DEFAULTS}. */
export type MethodSettings = Partial<Pick<ExperimentConfig, 'agent' | 'rag' | 'prompt'>>;

/** What dense retrieval needs from the app: where vector indexes live, and how to reach embedding models. */
export interface RetrievalServices {
  vectors: VectorIndexStore;
  models: EmbeddingDeps;
}

/**
 * The method an experiment runs. Retrieval is an option of any method: `rag` set on NAIVE or COT
 * adds retrieved passages to its prompt; RAG always retrieves; REACT searches `rag.knowledgeBase`.
 * Without `services`, vector indexes live in memory and nothing is shared with other runs.
 */
export function createMethod(
  name: ReasoningMethod,
  registry: DatasetRegistry,
  settings: MethodSettings = {},
  services?: RetrievalServices,
): Method {
  const method = createBuiltinMethod(name, registry, settings, services);
  return settings.prompt ? withPrompt(method, settings.prompt) : method;
}

function createBuiltinMethod(
  name: ReasoningMethod,
  registry: DatasetRegistry,
  settings: MethodSettings,
  services: RetrievalServices | undefined,
): Method {
  const rag = settings.rag ?? null;
  const entry = () => {
    const knowledgeBaseName = rag?.knowledgeBase ?? DEFAULTS.rag.knowledgeBase;
    const found = registry.knowledgeBases.get(knowledgeBaseName);
    if (!found) throw new RangeError(`unknown knowledge base "${knowledgeBaseName}"`);
    return found;
  };
  const retriever = (config: RagConfig) => createRetriever(config, entry(), services);
  switch (name) {
    case 'NAIVE':
      return rag ? withRetrieval(createNaiveMethod(), rag, retriever(rag)) : createNaiveMethod();
    case 'COT':
      return rag
        ? withRetrieval(createCotMethod(registry.cotExamples), rag, retriever(rag))
        : createCotMethod(registry.cotExamples);
    case 'REACT':
      return createReactMethod(
        settings.agent ?? { ...DEFAULTS.agent, tools: [...DEFAULTS.agent.tools] },
        entry().index(),
      );
    case 'RAG':
      return createRagMethod(rag ?? DEFAULTS.rag, retriever(rag ?? DEFAULTS.rag));
  }
}

export function createRetriever(
  config: RagConfig,
  entry: Pick<KnowledgeBaseEntry, 'index' | 'contentHash'>,
  services: RetrievalServices | undefined,
): Retriever {
  const models = services?.models ?? offlineModels();
  return new Retriever({
    knowledgeBase: entry.index(),
    contentHash: entry.contentHash,
    embedder: config.embedding ? createEmbedder(config.embedding, models) : null,
    vectors: services?.vectors ?? new MemoryVectorIndexStore(),
    reranker: config.reranker ? createReranker(config.reranker, models) : null,
  });
}

/** A method built outside an app (tests, scripts): its own limiters, no shared cache, keys from nowhere. */
function offlineModels(): EmbeddingDeps {
  return { cache: null, limiters: new LimiterRegistry(), secrets: { register: () => {} } };
}
