import type { ChatMessage } from '../types.ts';

/** The judge's own prompt: the rubric, the question and the answer; it must reply with one JSON verdict. */
export function rubricMessages(rubric: string, question: string, answer: string): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You grade an answer against a rubric. Reply with one JSON object and nothing else: ' +
        '{"pass": true|false, "score": <number from 0 to 1>, "reason": "<one sentence>"}.',
    },
    { role: 'user', content: `Rubric:\n${rubric}\n\nQuestion:\n${question}\n\nAnswer:\n${answer}` },
  ];
}

/** A validated verdict, or why the reply is not one (a fenced ```json block is accepted). */
export function parseVerdict(
  reply: string,
): { pass: boolean; score: number; reason: string } | { error: string } {
  const text = reply.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { error: 'not a JSON object' };
  const { pass, score, reason } = value as Record<string, unknown>;
  if (typeof pass !== 'boolean') return { error: '"pass" must be true or false' };
  if (score !== undefined && (typeof score !== 'number' || !(score >= 0 && score <= 1)))
    return { error: '"score" must be a number from 0 to 1' };
  if (reason !== undefined && typeof reason !== 'string')
    return { error: '"reason" must be a string' };
  return {
    pass,
    score: typeof score === 'number' ? score : pass ? 1 : 0,
    reason: typeof reason === 'string' ? reason : '',
  };
}
