import { containsAnswer, normalizeAnswer, tokenF1 } from '../metrics/scoring.ts';
import type { Example, RequestMetadata } from '../types.ts';

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

const STOPWORDS = new Set(
  'a an the of in on at to for by with from and or is are was were be been it its as that this i im not sure dont know'.split(
    ' ',
  ),
);

/** The content words of a text, normalized as answers are scored. */
function contentWords(text: string): string[] {
  return normalizeAnswer(text)
    .split(' ')
    .filter((word) => word !== '' && !STOPWORDS.has(word));
}

/** The claims of an answer: its sentences and clauses joined by "; " or ", and ", each with a content word. */
function claimsOf(answer: string): string[] {
  return answer
    .split(/(?<=[.!?])\s+|;\s*|,\s+and\s+/)
    .map((claim) => claim.trim())
    .filter((claim) => contentWords(claim).length > 0);
}

/**
 * The simulator as the judge of a model-graded metric, answering from the request's metadata in the
 * JSON shape the real judge prompt asks for:
 * - FAITHFULNESS: a claim is supported when every one of its content words occurs in the passages
 *   (token overlap; an answer of only stopwords and hedges makes no claim);
 * - CONTEXT_RELEVANCE: a passage is relevant when it holds the gold answer (or an alias) or at least
 *   half of the question's content words;
 * - JUDGE: the top score when the answer contains the gold answer, else 1 plus the answer's token F1
 *   with the gold spread over the rest of the scale (never the top).
 */
export function simulatedMetricReply(
  grading: NonNullable<RequestMetadata['grading']>,
  question: string,
  example: Example | undefined,
): string {
  switch (grading.metric) {
    case 'FAITHFULNESS': {
      const passageWords = new Set(contentWords((grading.passages ?? []).join(' ')));
      return JSON.stringify({
        claims: claimsOf(grading.answer).map((claim) => ({
          claim,
          supported: contentWords(claim).every((word) => passageWords.has(word)),
        })),
      });
    }
    case 'CONTEXT_RELEVANCE': {
      const asked = new Set(contentWords(question));
      return JSON.stringify({
        relevant: (grading.passages ?? []).map((passage) => {
          if (example && containsAnswer(passage, example)) return true;
          const words = new Set(contentWords(passage));
          const shared = [...asked].filter((word) => words.has(word)).length;
          return asked.size > 0 && shared * 2 >= asked.size;
        }),
      });
    }
    case 'JUDGE': {
      const scale = grading.scale ?? 5;
      if (!example)
        return JSON.stringify({ score: 1, reason: 'The question is unknown to the judge.' });
      if (containsAnswer(grading.answer, example))
        return JSON.stringify({ score: scale, reason: 'The answer states the expected answer.' });
      const f1 = Math.max(
        ...[example.answer, ...example.aliases].map((gold) => tokenF1(grading.answer, gold)),
      );
      return JSON.stringify({
        score: Math.min(scale - 1, 1 + Math.round(f1 * (scale - 2))),
        reason:
          f1 > 0
            ? 'The answer overlaps the expected answer only in part.'
            : 'The answer does not state the expected answer.',
      });
    }
  }
}
