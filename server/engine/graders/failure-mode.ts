/**
 * How a sample went wrong, so a regression report can say how a run got worse: the call failed
 * (ERROR), the reply had no usable answer (UNPARSEABLE), it offered several candidates (HEDGE), it
 * declined (REFUSAL), or it answered and was wrong (WRONG). Correct samples have none.
 */
export const FAILURE_MODES = ['ERROR', 'UNPARSEABLE', 'HEDGE', 'REFUSAL', 'WRONG'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

const REFUSAL =
  /\b(i can(?:no|')t|i cannot|i am unable|i'm unable|i won't|i will not|unable to (?:answer|help)|i don't know|i do not know|i'm not sure|i am not sure|not sure|cannot be determined|not enough information)\b/i;
const HEDGE = /\b(?:or|either|maybe|possibly|perhaps)\b|\/|;/i;

export function failureMode(sample: {
  error: string | null;
  correct: boolean;
  parsedAnswer: string | null;
  rawOutput: string | null;
}): FailureMode | null {
  if (sample.error !== null) return 'ERROR';
  if (sample.correct) return null;
  const answer = (sample.parsedAnswer ?? '').trim();
  if (REFUSAL.test(answer) || REFUSAL.test(sample.rawOutput ?? '')) return 'REFUSAL';
  if (answer === '') return 'UNPARSEABLE';
  if (HEDGE.test(answer)) return 'HEDGE';
  return 'WRONG';
}
