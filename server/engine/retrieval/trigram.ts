import { countTerms } from './bm25.ts';
import { rankScores, type Scored } from './ranking.ts';
import { tokenize } from './tokenize.ts';

/**
 * Cosine similarity of character-trigram TF-IDF vectors: a second lexical signal that matches
 * word variants BM25 treats as unrelated ("weighs" / "weight", "Panama's" / "Panamanian").
 */
export class TrigramIndex {
  private readonly vectors: Map<string, number>[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly documentCount: number;

  constructor(texts: readonly string[]) {
    this.documentCount = texts.length;
    const counts = texts.map((text) => countTerms(trigrams(text)));
    for (const grams of counts) {
      for (const gram of grams.keys())
        this.documentFrequency.set(gram, (this.documentFrequency.get(gram) ?? 0) + 1);
    }
    this.vectors = counts.map((grams) => this.weigh(grams));
  }

  search(query: string): Scored[] {
    const vector = this.weigh(countTerms(trigrams(query)));
    const scores = this.vectors.map((document) => {
      let dot = 0;
      for (const [gram, weight] of vector) dot += weight * (document.get(gram) ?? 0);
      return dot;
    });
    return rankScores(scores);
  }

  /** (1 + ln tf) · idf, scaled to unit length so a dot product is the cosine. */
  private weigh(grams: Map<string, number>): Map<string, number> {
    const weighted = new Map<string, number>();
    let squares = 0;
    for (const [gram, tf] of grams) {
      const df = this.documentFrequency.get(gram) ?? 0;
      if (df === 0) continue;
      const weight = (1 + Math.log(tf)) * Math.log(1 + this.documentCount / df);
      weighted.set(gram, weight);
      squares += weight * weight;
    }
    const norm = Math.sqrt(squares);
    for (const [gram, weight] of weighted) weighted.set(gram, weight / norm);
    return weighted;
  }
}

/** Trigrams of each term padded with spaces (" gold " → " go", "gol", "old", "ld "). */
function trigrams(text: string): string[] {
  const grams: string[] = [];
  for (const term of tokenize(text)) {
    const padded = ` ${term} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.push(padded.slice(i, i + 3));
  }
  return grams;
}
