import { describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import type { FewShotExample } from '../../server/engine/datasets/files.ts';
import { conclusion, createCotMethod } from '../../server/engine/methods/cot.ts';
import { createMethod } from '../../server/engine/methods/index.ts';
import type { SingleCallMethod } from '../../server/engine/methods/method.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import type { Example } from '../../server/engine/types.ts';

const example: Example = {
  id: 'x1',
  question: 'How much do 5 pens at $3.50 each cost?',
  answer: '$17.50',
  aliases: ['17.50'],
};

const fewShot: FewShotExample[] = [
  { question: 'What is 2 + 3?', reasoning: 'Two plus three is five.', answer: '5' },
  {
    question: 'Which country has Washington, D.C.?',
    reasoning: 'D.C. is the US capital.',
    answer: 'U.S.',
  },
];

describe('NAIVE method', () => {
  const naive = createNaiveMethod();

  it('sends a system instruction for a bare answer and the question with an Answer cue', () => {
    const [system, user, ...rest] = naive.buildMessages(example);
    expect(rest).toEqual([]);
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/answer only/i);
    expect(system?.content).toMatch(/do not explain/i);
    expect(user).toEqual({ role: 'user', content: `Question: ${example.question}\nAnswer:` });
  });

  it('parses the first line of the reply', () => {
    expect(naive.parseAnswer('$17.50\nBecause five times 3.50.')).toBe('$17.50');
  });
});

describe('COT method', () => {
  const cot = createCotMethod(fewShot);

  it('asks for step-by-step reasoning ending with the answer line', () => {
    const [system] = cot.buildMessages(example);
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/step by step/i);
    expect(system?.content).toContain('Therefore, the answer is <answer>.');
  });

  it('renders each few-shot example, separated by blank lines, then the question and the trigger', () => {
    const messages = cot.buildMessages(example);
    expect(messages).toHaveLength(2);
    expect(messages[1]?.role).toBe('user');
    expect(messages[1]?.content).toBe(
      [
        "Question: What is 2 + 3?\nLet's think step by step.\nTwo plus three is five.\nTherefore, the answer is 5.",
        "Question: Which country has Washington, D.C.?\nLet's think step by step.\nD.C. is the US capital.\nTherefore, the answer is U.S.",
        `Question: ${example.question}\nLet's think step by step.`,
      ].join('\n\n'),
    );
  });

  it('works zero-shot when there are no examples', () => {
    const [, user] = createCotMethod([]).buildMessages(example);
    expect(user?.content).toBe(`Question: ${example.question}\nLet's think step by step.`);
  });

  it('parses the final answer without cutting decimals', () => {
    const reply = `Each pen costs $3.50. Five cost $17.50.\n${conclusion('$17.50')}`;
    expect(cot.parseAnswer(reply)).toBe('$17.50');
  });

  it('does not double a period that belongs to the answer', () => {
    expect(conclusion('U.S.')).toBe('Therefore, the answer is U.S.');
    expect(conclusion('42')).toBe('Therefore, the answer is 42.');
  });
});

describe('createMethod', () => {
  const registry = new DatasetRegistry({ datasets: [], articles: [], cotExamples: fewShot });

  it('builds NAIVE and COT with distinct names and version tags', () => {
    const naive = createMethod('NAIVE', registry);
    const cot = createMethod('COT', registry);
    expect([naive.name, cot.name]).toEqual(['NAIVE', 'COT']);
    expect(naive.version).not.toBe(cot.version);
    expect(naive.version).toMatch(/\S/);
    expect(cot.version).toMatch(/\S/);
  });

  it('uses the registry few-shot examples for COT', () => {
    const cot = createMethod('COT', registry) as SingleCallMethod;
    const [, user] = cot.buildMessages(example);
    expect(user?.content.match(/^Question:/gm)).toHaveLength(fewShot.length + 1);
  });

  it.each(['REACT', 'RAG'] as const)('builds %s with its own name and version tag', (name) => {
    const method = createMethod(name, registry, {
      agent: { maxIterations: 3, tools: ['calculator'] },
      rag: { retrieval: 'HYBRID', topK: 2, knowledgeBase: 'builtin' },
    });
    expect(method.name).toBe(name);
    expect(method.version).toBe(name === 'REACT' ? 'react-v1' : 'rag-v1');
  });
});
