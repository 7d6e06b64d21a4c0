import { containsAnswer } from '../metrics/scoring.ts';
import type { Example } from '../types.ts';

/**
 * The simulator as an LLM_RUBRIC judge: it passes an answer that contains the gold answer (or an
 * alias) and fails any other, replying with the JSON verdict a real judge is asked for.
 */
export function simulatedVerdict(
  judge: { rubric: string; answer: string },
  example: Example | undefined,
): string {
  if (!example)
    return JSON.stringify({
      pass: false,
      score: 0,
      reason: 'The question is unknown to the judge.',
    });
  const pass = containsAnswer(judge.answer, example);
  return JSON.stringify({
    pass,
    score: pass ? 1 : 0,
    reason: pass
      ? 'The answer states the expected answer.'
      : 'The answer does not state the expected answer.',
  });
}
