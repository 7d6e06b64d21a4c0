import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../server/engine/metrics/stats.ts';

describe('percentile (numpy linear)', () => {
  const data = [1, 2, 3, 4];

  it.each([
    [0, 1],
    [25, 1.75], // rank 0.75
    [50, 2.5], // rank 1.5
    [95, 3.85], // rank 2.85
    [99, 3.97], // rank 2.97
    [100, 4],
  ])('[1,2,3,4] p%d = %d', (p, expected) => {
    expect(percentile(data, p)).toBeCloseTo(expected, 10);
  });

  it('interpolates over uneven gaps', () => {
    // numpy.percentile([10, 20, 40, 80, 160], 90) -> rank 3.6 -> 80 + 0.6 * 80 = 128
    expect(percentile([10, 20, 40, 80, 160], 90)).toBeCloseTo(128, 10);
    // numpy.percentile([10, 20, 40, 80, 160], 30) -> rank 1.2 -> 20 + 0.2 * 20 = 24
    expect(percentile([10, 20, 40, 80, 160], 30)).toBeCloseTo(24, 10);
  });

  it('returns the only value of a single-element array', () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 100)).toBe(7);
  });

  it('returns 0 for an empty array', () => {
    expect(percentile([], 50)).toBe(0);
  });

  it('clamps p outside [0, 100] and rejects NaN', () => {
    expect(percentile(data, -10)).toBe(1);
    expect(percentile(data, 150)).toBe(4);
    expect(() => percentile(data, Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('describes unsorted input without mutating it', () => {
    const values = [4, 1, 3, 2];
    const summary = summarize(values);
    expect(values).toEqual([4, 1, 3, 2]);
    expect(summary.count).toBe(4);
    expect(summary.total).toBe(10);
    expect(summary.mean).toBe(2.5);
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(4);
    expect(summary.p50).toBeCloseTo(2.5, 10);
    expect(summary.p95).toBeCloseTo(3.85, 10);
    expect(summary.p99).toBeCloseTo(3.97, 10);
  });

  it('sorts numerically, not lexicographically', () => {
    const summary = summarize([100, 9, 20]);
    expect(summary.min).toBe(9);
    expect(summary.max).toBe(100);
    expect(summary.p50).toBe(20);
  });

  it('returns zeros for empty input', () => {
    expect(summarize([])).toEqual({
      count: 0,
      total: 0,
      mean: 0,
      min: 0,
      max: 0,
      p50: 0,
      p95: 0,
      p99: 0,
    });
  });

  it('gives the figures of a comparator sort, negatives, duplicates and fractions included', () => {
    // A fixed pseudo-random sequence (no Math.random: the test stays deterministic).
    let state = 7;
    const values = Array.from({ length: 1001 }, () => {
      state = (state * 48271) % 2147483647;
      return ((state % 20_000) - 5000) / 7;
    });
    values.push(3, 3, 3, -0, 0);
    const sorted = [...values].sort((a, b) => a - b);
    const summary = summarize(values);
    expect(summary.min).toBe(sorted[0]);
    expect(summary.max).toBe(sorted.at(-1));
    expect(summary.p50).toBe(percentile(sorted, 50));
    expect(summary.p95).toBe(percentile(sorted, 95));
    expect(summary.p99).toBe(percentile(sorted, 99));
    expect(summary.total).toBeCloseTo(
      values.reduce((sum, value) => sum + value, 0),
      6,
    );
  });
});
