import { DEFAULTS, type ExperimentConfig } from '../experiment-config.ts';
import type { DatasetRegistry } from '../datasets/registry.ts';
import type { KnowledgeBase } from '../retrieval/knowledge-base.ts';
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

/**
 * The method an experiment runs. Retrieval is an option of any method: `rag` set on NAIVE or COT
 * adds retrieved passages to its prompt; RAG always retrieves; REACT searches `rag.knowledgeBase`.
 */
export function createMethod(
  name: ReasoningMethod,
  registry: DatasetRegistry,
  settings: MethodSettings = {},
): Method {
  const method = createBuiltinMethod(name, registry, settings);
  return settings.prompt ? withPrompt(method, settings.prompt) : method;
}

function createBuiltinMethod(
  name: ReasoningMethod,
  registry: DatasetRegistry,
  settings: MethodSettings,
): Method {
  const rag = settings.rag ?? null;
  const corpus = (): KnowledgeBase => {
    const knowledgeBaseName = rag?.knowledgeBase ?? DEFAULTS.rag.knowledgeBase;
    const entry = registry.knowledgeBases.get(knowledgeBaseName);
    if (!entry) throw new RangeError(`unknown knowledge base "${knowledgeBaseName}"`);
    return entry.index();
  };
  switch (name) {
    case 'NAIVE':
      return rag ? withRetrieval(createNaiveMethod(), rag, corpus()) : createNaiveMethod();
    case 'COT':
      return rag
        ? withRetrieval(createCotMethod(registry.cotExamples), rag, corpus())
        : createCotMethod(registry.cotExamples);
    case 'REACT':
      return createReactMethod(
        settings.agent ?? { ...DEFAULTS.agent, tools: [...DEFAULTS.agent.tools] },
        corpus(),
      );
    case 'RAG':
      return createRagMethod(rag ?? DEFAULTS.rag, corpus());
  }
}
