import { containsAnswer } from '../metrics/scoring.ts';
import type { Example, RetrievalMethod } from '../types.ts';
import type { Passage } from './knowledge-base.ts';
import type { Retriever } from './retriever.ts';

/** Hit rate of one retrieval method: the share of questions whose answer-bearing passage is in the top k, per k. */
export interface HitRateRow {
  method: RetrievalMethod;
  /** k → hits / questions with an answer-bearing passage. */
  hitRate: Record<number, number>;
  /** Mean reciprocal rank of the first answer-bearing passage within the largest k (0 when absent). */
  mrr: number;
}

/**
 * A passage bears the answer when it holds the gold answer or an alias, and — when the record names
 * its evidence article (`evidence_source`, as the predecessor's questions do) — comes from that
 * article, so a number that happens to appear elsewhere does not count.
 */
export function isAnswerBearing(passage: Passage, example: Example): boolean {
  const source = example.metadata?.evidence_source;
  if (
    typeof source === 'string' &&
    source.trim().toLowerCase() !== passage.title.trim().toLowerCase()
  )
    return false;
  return containsAnswer(passage.text, example);
}

/**
 * Runs every question through each method at the largest k and reports hit@k for each k. Questions
 * no passage of the corpus answers are left out (and counted in `answerable`), since no retriever can find them.
 */
export async function measureHitRates(
  retriever: Retriever,
  passages: readonly Passage[],
  examples: readonly Example[],
  methods: readonly RetrievalMethod[],
  ks: readonly number[],
): Promise<{ rows: HitRateRow[]; answerable: number; questions: number }> {
  const answerable = examples.filter((example) =>
    passages.some((passage) => isAnswerBearing(passage, example)),
  );
  const deepest = Math.max(...ks);
  const rows: HitRateRow[] = [];
  for (const method of methods) {
    const firstHit: number[] = [];
    for (const example of answerable) {
      const retrieved = await retriever.retrieve(example.question, deepest, method);
      const position = retrieved.findIndex((passage) => isAnswerBearing(passage, example));
      firstHit.push(position < 0 ? Number.POSITIVE_INFINITY : position + 1);
    }
    const hitRate: Record<number, number> = {};
    for (const k of ks)
      hitRate[k] = firstHit.filter((rank) => rank <= k).length / Math.max(1, firstHit.length);
    const mrr =
      firstHit.reduce((sum, rank) => sum + (Number.isFinite(rank) ? 1 / rank : 0), 0) /
      Math.max(1, firstHit.length);
    rows.push({ method, hitRate, mrr });
  }
  return { rows, answerable: answerable.length, questions: examples.length };
}
