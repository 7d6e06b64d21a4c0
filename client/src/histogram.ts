export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Equal-width bins from the smallest to the largest value (one bin when they are all equal). */
export function histogramBins(values: readonly number[], binCount = 20): Bin[] {
  if (values.length === 0) return [];
  // A loop, not Math.min(...values): spreading tens of thousands of arguments overflows the stack.
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const width = max > min ? (max - min) / binCount : 1;
  const bins: Bin[] = Array.from({ length: max > min ? binCount : 1 }, (_, i) => ({
    from: min + i * width,
    to: min + (i + 1) * width,
    count: 0,
  }));
  for (const value of values) {
    const index = Math.min(bins.length - 1, Math.floor((value - min) / width));
    (bins[index] as Bin).count += 1;
  }
  return bins;
}
