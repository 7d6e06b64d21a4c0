import { formatInteger, formatScore } from './format.ts';

/** A model-graded aggregate as the API reports it: the mean with its 95 % interval. */
export interface Interval {
  mean: number;
  ciLow: number;
  ciHigh: number;
  n: number;
}

/** The model-graded metrics, in the order pages show them, with their labels. */
export const GRADED_METRICS = [
  ['semanticSimilarity', 'Semantic similarity'],
  ['faithfulness', 'Faithfulness'],
  ['hallucinationRate', 'Hallucination rate'],
  ['contextRelevance', 'Context relevance'],
  ['judge', 'LLM judge'],
] as const;

export type GradedMetric = (typeof GRADED_METRICS)[number][0];

/** "0.750 [0.429, 1.000]" */
export function formatInterval(m: Interval | null | undefined): string {
  return m ? `${formatScore(m.mean)} [${formatScore(m.ciLow)}, ${formatScore(m.ciHigh)}]` : '—';
}

/** "95% CI 0.429–1.000 · n 8" */
export function intervalHint(m: Interval): string {
  return `95% CI ${formatScore(m.ciLow)}–${formatScore(m.ciHigh)} · n ${formatInteger(m.n)}`;
}

/** "semantic-similarity" for test ids. */
export function kebab(metric: GradedMetric): string {
  return metric.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
