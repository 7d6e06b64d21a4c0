import { describe, expect, it } from 'vitest';
import {
  binomialCdf,
  chiSquareSurvival,
  mcNemarTest,
  pairedBootstrap,
  type PairedScore,
} from '../../server/engine/metrics/significance.ts';

/** `count` copies of one pair: correct A / B and F1 A / B. */
function pairs(
  count: number,
  correctA: boolean,
  correctB: boolean,
  f1A = Number(correctA),
  f1B = Number(correctB),
): PairedScore[] {
  return Array.from({ length: count }, () => ({ correctA, correctB, f1A, f1B }));
}

describe('distribution functions', () => {
  it('should give binomial CDFs equal to the sums of binomial coefficients', () => {
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo((1 + 10 + 45) / 1024, 15);
    expect(binomialCdf(1, 3, 0.2)).toBeCloseTo(0.8 ** 3 + 3 * 0.2 * 0.8 ** 2, 15); // 0.896
    expect(binomialCdf(-1, 5, 0.5)).toBe(0);
    expect(binomialCdf(5, 5, 0.5)).toBe(1);
  });

  it('should give chi-square tail probabilities at the textbook critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(6.634896601021214, 1)).toBeCloseTo(0.01, 12);
    expect(chiSquareSurvival(0.454936423119572, 1)).toBeCloseTo(0.5, 12);
    // With 2 degrees of freedom the tail is exactly e^(−x/2).
    expect(chiSquareSurvival(4, 2)).toBeCloseTo(Math.exp(-2), 14);
    expect(chiSquareSurvival(0, 1)).toBe(1);
  });
});

describe("McNemar's test", () => {
  it.each([
    // b, c, two-sided p = 2 · Σ_{i ≤ min(b, c)} C(b + c, i) / 2^(b + c)
    [2, 8, (2 * (1 + 10 + 45)) / 2 ** 10], // 0.109375
    [3, 12, (2 * (1 + 15 + 105 + 455)) / 2 ** 15], // 0.03515625
    [0, 5, 2 / 2 ** 5], // 0.0625
    [10, 14, 9080772 / 2 ** 24], // 0.5412561893463135
  ])('should use the exact binomial test for b = %i, c = %i (b + c < 25)', (b, c, p) => {
    const result = mcNemarTest(b, c);
    expect(result.method).toBe('EXACT_BINOMIAL');
    expect(result.statistic).toBeNull();
    expect(result.pValue).toBeCloseTo(p, 12);
  });

  it('should cap the exact p-value at 1 and give 1 when there is no discordant pair', () => {
    expect(mcNemarTest(12, 12).pValue).toBe(1);
    expect(mcNemarTest(0, 0)).toEqual({
      onlyA: 0,
      onlyB: 0,
      method: 'EXACT_BINOMIAL',
      statistic: null,
      pValue: 1,
    });
  });

  it.each([
    // χ² = (|b − c| − 1)² / (b + c); p = erfc(√(χ²/2)), from Python's math.erfc
    [20, 8, 121 / 28, 0.0376353137873143],
    [20, 5, 196 / 25, 0.005110260660855864],
    [13, 12, 0, 1],
  ])(
    'should use chi-square with continuity correction for b = %i, c = %i (b + c ≥ 25)',
    (b, c, statistic, p) => {
      const result = mcNemarTest(b, c);
      expect(result.method).toBe('CHI_SQUARE_CC');
      expect(result.statistic).toBeCloseTo(statistic, 14);
      expect(result.pValue).toBeCloseTo(p, 13);
    },
  );

  it('should switch from the exact test to chi-square at 25 discordant pairs', () => {
    expect(mcNemarTest(20, 4).method).toBe('EXACT_BINOMIAL');
    expect(mcNemarTest(20, 5).method).toBe('CHI_SQUARE_CC');
  });

  it('should refuse negative or fractional counts', () => {
    expect(() => mcNemarTest(-1, 3)).toThrow(RangeError);
    expect(() => mcNemarTest(1.5, 3)).toThrow(RangeError);
  });
});

describe('paired bootstrap', () => {
  const options = { resamples: 4000, seed: 7, confidenceLevel: 0.95 };

  it('should give a zero-width interval when every pair is the same', () => {
    const result = pairedBootstrap(pairs(10, true, false, 0.8, 0.2), options);
    expect(result.accuracyA).toEqual({ estimate: 1, lower: 1, upper: 1 });
    expect(result.accuracyB).toEqual({ estimate: 0, lower: 0, upper: 0 });
    expect(result.accuracyDifference).toEqual({ estimate: -1, lower: -1, upper: -1 });
    expect(result.f1Difference.estimate).toBeCloseTo(-0.6, 12);
    expect(result.f1Difference.lower).toBeCloseTo(-0.6, 12);
    expect(result.f1Difference.upper).toBeCloseTo(-0.6, 12);
  });

  it('should give [0, 1] for two pairs whose differences are 0 and 1', () => {
    // A resample's mean difference is 0, ½ or 1 with probability ¼, ½, ¼: both tails hold far more than 2.5 %.
    const result = pairedBootstrap([...pairs(1, true, true), ...pairs(1, false, true)], options);
    expect(result.accuracyDifference).toEqual({ estimate: 0.5, lower: 0, upper: 1 });
    expect(result.accuracyB).toEqual({ estimate: 1, lower: 1, upper: 1 });
  });

  it('should match the normal approximation for 100 pairs with 20 wins for A and 10 for B', () => {
    // d = B − A per pair: mean −0.1, variance 0.3 − 0.01 = 0.29, standard error √(0.29 / 100) = 0.05385,
    // so the 95 % interval is about −0.1 ± 1.96 · 0.05385 = [−0.2055, 0.0055]. Resampled means lie on a 0.01 grid.
    const sample = [
      ...pairs(50, true, true),
      ...pairs(20, true, false),
      ...pairs(10, false, true),
      ...pairs(20, false, false),
    ];
    const result = pairedBootstrap(sample, { ...options, resamples: 10_000 });
    expect(result.accuracyDifference.estimate).toBeCloseTo(-0.1, 12);
    expect(Math.abs(result.accuracyDifference.lower - -0.2055)).toBeLessThanOrEqual(0.011);
    expect(Math.abs(result.accuracyDifference.upper - 0.0055)).toBeLessThanOrEqual(0.011);
    // Accuracy of A alone: p = 0.7, standard error √(0.21 / 100) = 0.0458 → [0.610, 0.790].
    expect(Math.abs(result.accuracyA.lower - 0.6102)).toBeLessThanOrEqual(0.011);
    expect(Math.abs(result.accuracyA.upper - 0.7898)).toBeLessThanOrEqual(0.011);
  });

  it('should be reproducible for a seed and change with the seed', () => {
    const sample = [...pairs(30, true, false), ...pairs(25, false, true), ...pairs(45, true, true)];
    const first = pairedBootstrap(sample, options);
    expect(pairedBootstrap(sample, options)).toEqual(first);
    expect(pairedBootstrap(sample, { ...options, seed: 8 }).accuracyDifference).not.toEqual(
      first.accuracyDifference,
    );
    expect(first).toMatchObject(options);
  });

  it('should give zeros for no pairs', () => {
    expect(pairedBootstrap([], options).accuracyDifference).toEqual({
      estimate: 0,
      lower: 0,
      upper: 0,
    });
  });
});
