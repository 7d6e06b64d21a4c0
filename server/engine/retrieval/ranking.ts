/** One scored document of a ranking; `index` is the document's position in its index. */
export interface Scored {
  index: number;
  score: number;
}

/** Best first; ties keep document order, so rankings are deterministic. */
export function rankScores(scores: ArrayLike<number>): Scored[] {
  const ranked: Scored[] = [];
  for (let index = 0; index < scores.length; index++) {
    const score = scores[index] as number;
    if (score > 0) ranked.push({ index, score });
  }
  return ranked.sort((a, b) => b.score - a.score || a.index - b.index);
}

/** The constant of reciprocal-rank fusion (Cormack et al., 2009): damps the weight of the very top ranks. */
export const RRF_K = 60;

/**
 * Reciprocal-rank fusion: each document scores Σ 1 / (k + rank) over the rankings it appears in
 * (rank from 1). Rank-based, so retrievers with incomparable score scales fuse fairly.
 */
export function reciprocalRankFusion(
  rankings: readonly (readonly Scored[])[],
  k = RRF_K,
): Scored[] {
  const fused = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach(({ index }, position) => {
      fused.set(index, (fused.get(index) ?? 0) + 1 / (k + position + 1));
    });
  }
  return [...fused]
    .map(([index, score]) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}
