import { rankScores, type Scored } from './ranking.ts';
import { tokenize } from './tokenize.ts';

export interface Bm25Parameters {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation: 0 ignores document length, 1 normalises fully. */
  b: number;
}

export const DEFAULT_BM25: Bm25Parameters = { k1: 1.2, b: 0.75 };

/** Okapi BM25 over a fixed set of texts, with the non-negative idf ln(1 + (N − df + ½) / (df + ½)). */
export class Bm25Index {
  private readonly termCounts: Map<string, number>[];
  private readonly lengths: number[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(
    texts: readonly string[],
    private readonly parameters: Bm25Parameters = DEFAULT_BM25,
  ) {
    this.termCounts = texts.map((text) => countTerms(tokenize(text)));
    this.lengths = this.termCounts.map((counts) =>
      [...counts.values()].reduce((sum, n) => sum + n, 0),
    );
    for (const counts of this.termCounts) {
      for (const term of counts.keys())
        this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
    }
    const totalLength = this.lengths.reduce((sum, n) => sum + n, 0);
    this.averageLength = texts.length === 0 ? 0 : totalLength / texts.length;
  }

  get size(): number {
    return this.termCounts.length;
  }

  idf(term: string): number {
    const df = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** Documents sharing at least one term with the query, best first. */
  search(query: string): Scored[] {
    const { k1, b } = this.parameters;
    const scores = new Float64Array(this.size);
    for (const term of new Set(tokenize(query))) {
      if (!this.documentFrequency.has(term)) continue;
      const idf = this.idf(term);
      this.termCounts.forEach((counts, index) => {
        const tf = counts.get(term);
        if (!tf) return;
        const norm = 1 - b + (b * (this.lengths[index] as number)) / this.averageLength;
        scores[index] = (scores[index] as number) + (idf * tf * (k1 + 1)) / (tf + k1 * norm);
      });
    }
    return rankScores(scores);
  }
}

export function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
