export interface Distribution {
  count: number;
  total: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Linear interpolation between closest ranks (numpy's default `method='linear'`). */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (Number.isNaN(p)) throw new RangeError('percentile: p must be a number in [0, 100]');
  const count = sortedAscending.length;
  if (count === 0) return 0;
  const rank = ((count - 1) * Math.min(100, Math.max(0, p))) / 100;
  const lowerIndex = Math.floor(rank);
  const upperIndex = Math.min(count - 1, lowerIndex + 1);
  const lower = sortedAscending[lowerIndex] ?? 0;
  const upper = sortedAscending[upperIndex] ?? lower;
  return lower + (rank - lowerIndex) * (upper - lower);
}

export function summarize(values: readonly number[]): Distribution {
  if (values.length === 0) {
    return { count: 0, total: 0, mean: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 };
  }
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    total,
    mean: total / sorted.length,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}
