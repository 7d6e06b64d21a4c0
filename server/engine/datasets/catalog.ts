import type { DatasetKind } from '../types.ts';

/** The built-in file datasets: server/data/datasets/<name>.json, with what each is for. */
export const BUILTIN_FILE_DATASETS: readonly {
  name: string;
  description: string;
  kind: DatasetKind;
}[] = [
  {
    name: 'sample',
    description: 'Ten quick general-knowledge questions for smoke tests and demos.',
    kind: 'GENERAL',
  },
  {
    name: 'trivia_qa',
    description:
      'Trivia on history, science, geography and culture; short answers with accepted aliases.',
    kind: 'GENERAL',
  },
  {
    name: 'commonsense_qa',
    description: 'Everyday commonsense questions with short free-text answers.',
    kind: 'GENERAL',
  },
  {
    name: 'multi_hop',
    description:
      'Questions that chain two or more facts, e.g. a person, then where they were born.',
    kind: 'MULTI_HOP',
  },
  {
    name: 'math_reasoning',
    description:
      'Grade-school word problems with worked solutions; numeric answers, often with units or money.',
    kind: 'MATH',
  },
  {
    name: 'knowledge_base',
    description: 'Questions answered by the built-in knowledge-base articles; made for RAG.',
    kind: 'KNOWLEDGE',
  },
  {
    name: 'react_bench',
    description:
      'Questions that need a lookup and/or a calculation; made for the REACT agent and its tools.',
    kind: 'AGENT',
  },
];

export const ARTICLES_FILE = 'knowledge_base/articles.json';
export const COT_EXAMPLES_FILE = 'prompts/cot_examples.json';
export const DATASETS_DIR = 'datasets';
