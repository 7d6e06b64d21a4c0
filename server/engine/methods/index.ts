import { DEFAULTS, type ExperimentConfig } from '../experiment-config.ts';
import type { DatasetRegistry } from '../datasets/registry.ts';
import { knowledgeBaseFor } from '../retrieval/knowledge-base.ts';
import type { ReasoningMethod } from '../types.ts';
import { createCotMethod } from './cot.ts';
import type { Method } from './method.ts';
import { createNaiveMethod } from './naive.ts';
import { createRagMethod } from './rag.ts';
import { createReactMethod } from './react.ts';

/** The method settings of an experiment; missing ones take {@link DEFAULTS}. */
export type MethodSettings = Partial<Pick<ExperimentConfig, 'agent' | 'rag'>>;

export function createMethod(name: ReasoningMethod, registry: DatasetRegistry, settings: MethodSettings = {}): Method {
  switch (name) {
    case 'NAIVE':
      return createNaiveMethod();
    case 'COT':
      return createCotMethod(registry.cotExamples);
    case 'REACT':
      return createReactMethod(settings.agent ?? { ...DEFAULTS.agent, tools: [...DEFAULTS.agent.tools] }, knowledgeBaseFor(registry.articles));
    case 'RAG':
      return createRagMethod(settings.rag ?? DEFAULTS.rag, knowledgeBaseFor(registry.articles));
  }
}
