import { cosine, type Embedder } from '../embeddings/embedder.ts';
import type { Example } from '../types.ts';

/** Model-graded values of one sample; null where the metric is on but could not be computed (`…Error` says why). */
export interface ModelGradedMetrics {
  /** Absent when the metric is off (each metric below likewise). */
  semanticSimilarity?: number | null;
  semanticSimilarityError?: string;
  /** Supported claims / claims of the answer, judged against the retrieved passages. */
  faithfulness?: number | null;
  /** Whether any claim of the answer is unsupported by the passages (null with faithfulness). */
  hallucinated?: boolean | null;
  faithfulnessError?: string;
  /** Relevant passages / retrieved passages, as judged. */
  contextRelevance?: number | null;
  contextRelevanceError?: string;
  /** The LLM judge's score mapped to 0..1: (judgeRaw − 1) / (scale − 1). */
  judge?: number | null;
  /** The judge's own score on its 1..scale scale. */
  judgeRaw?: number | null;
  judgeError?: string;
  /** The judge's own messages (JSON text) and its reply verbatim, for the sample trace. */
  judgePrompt?: string;
  judgeReply?: string;
}

/**
 * Cosine similarity of the embeddings of the answer and the gold answer, best over the aliases,
 * clipped to [0, 1]. An empty answer scores 0 without a call.
 */
export async function semanticSimilarity(
  embedder: Embedder,
  answer: string,
  example: Example,
  signal?: AbortSignal,
): Promise<number> {
  if (answer.trim() === '') return 0;
  const golds = [example.answer, ...example.aliases];
  const [answerVector, ...goldVectors] = await embedder.embed([answer, ...golds], signal);
  const best = Math.max(...goldVectors.map((gold) => cosine(answerVector as Float32Array, gold)));
  return Math.round(Math.min(1, Math.max(0, best)) * 1e6) / 1e6;
}

/** A mean with its 95 % confidence interval. */
export interface MeanInterval {
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** Samples with a value. */
  n: number;
}

/**
 * The mean and the normal-approximation 95 % interval mean ± 1.96 · s / √n, clipped to [0, 1] (every
 * model-graded metric is a share). With n below about 30 the interval is optimistic; n = 1 gives a
 * zero-width interval.
 */
export function meanInterval(values: readonly number[]): MeanInterval | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const variance =
    n > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1) : 0;
  const half = 1.96 * Math.sqrt(variance / n);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    mean: round(mean),
    ciLow: round(Math.max(0, mean - half)),
    ciHigh: round(Math.min(1, mean + half)),
    n,
  };
}
