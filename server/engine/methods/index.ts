import type { DatasetRegistry } from '../datasets/registry.ts';
import type { ReasoningMethod } from '../types.ts';
import { createCotMethod } from './cot.ts';
import type { Method } from './method.ts';
import { createNaiveMethod } from './naive.ts';

export function createMethod(name: ReasoningMethod, registry: DatasetRegistry): Method {
  switch (name) {
    case 'NAIVE':
      return createNaiveMethod();
    case 'COT':
      return createCotMethod(registry.cotExamples);
    case 'REACT':
    case 'RAG':
      throw new Error(`Reasoning method ${name} is not implemented yet`);
  }
}
