import type { FewShotExample } from '../datasets/files.ts';
import type { ChatMessage, Example } from '../types.ts';
import { parseCotAnswer } from './answer-parsing.ts';
import { singleCallMethod, type SingleCallMethod } from './method.ts';

const SYSTEM_PROMPT =
  'Solve the question by reasoning step by step. ' +
  'Finish with a final line of the form "Therefore, the answer is <answer>."';
const TRIGGER = "Let's think step by step.";

/** Few-shot chain of thought: worked examples, then the question and the reasoning trigger. */
export function createCotMethod(fewShotExamples: readonly FewShotExample[]): SingleCallMethod {
  const demonstrations = fewShotExamples.map(renderDemonstration).join('\n\n');
  const prefix = demonstrations === '' ? '' : `${demonstrations}\n\n`;
  return singleCallMethod({
    name: 'COT',
    version: 'cot-v1',
    buildMessages(example: Example): ChatMessage[] {
      return [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `${prefix}Question: ${example.question}\n${TRIGGER}` },
      ];
    },
    parseAnswer: parseCotAnswer,
  });
}

function renderDemonstration({ question, reasoning, answer }: FewShotExample): string {
  return `Question: ${question}\n${TRIGGER}\n${reasoning.trim()}\n${conclusion(answer)}`;
}

/** "Therefore, the answer is X." without doubling a period that belongs to X ("U.S."). */
export function conclusion(answer: string): string {
  const trimmed = answer.trim();
  return `Therefore, the answer is ${trimmed}${trimmed.endsWith('.') ? '' : '.'}`;
}
