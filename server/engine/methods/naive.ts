import type { ChatMessage, Example } from '../types.ts';
import { parseNaiveAnswer } from './answer-parsing.ts';
import { singleCallMethod, type SingleCallMethod } from './method.ts';

const SYSTEM_PROMPT =
  'Answer the question with the answer only: a few words or a number. Do not explain your answer.';

export function createNaiveMethod(): SingleCallMethod {
  return singleCallMethod({
    name: 'NAIVE',
    version: 'naive-v1',
    buildMessages(example: Example): ChatMessage[] {
      return [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Question: ${example.question}\nAnswer:` },
      ];
    },
    parseAnswer: parseNaiveAnswer,
  });
}
