import { createPrng, randomIndex } from '../datasets/random.ts';
import { percentile } from './stats.ts';

/**
 * Significance of the difference between two systems scored on the same examples:
 * McNemar's test on paired correctness and paired-bootstrap confidence intervals.
 * The distribution functions are implemented here (no statistics dependency).
 */

/** Below this many discordant pairs the exact binomial test is used; from it on, chi-square. */
export const EXACT_MCNEMAR_BELOW = 25;

export type McNemarMethod = 'EXACT_BINOMIAL' | 'CHI_SQUARE_CC';

export interface McNemarResult {
  /** Pairs only A got right. */
  onlyA: number;
  /** Pairs only B got right. */
  onlyB: number;
  method: McNemarMethod;
  /** (|b − c| − 1)² / (b + c) for CHI_SQUARE_CC; null for the exact test. */
  statistic: number | null;
  /** Two-sided. */
  pValue: number;
}

/**
 * McNemar's test on the discordant pairs b (only A correct) and c (only B correct): under the null
 * hypothesis each discordant pair goes either way with probability ½. Exact two-sided binomial when
 * b + c < 25, otherwise chi-square with 1 degree of freedom and Edwards' continuity correction.
 */
export function mcNemarTest(onlyA: number, onlyB: number): McNemarResult {
  for (const [name, value] of [
    ['onlyA', onlyA],
    ['onlyB', onlyB],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
  }
  const discordant = onlyA + onlyB;
  if (discordant < EXACT_MCNEMAR_BELOW) {
    const pValue =
      discordant === 0 ? 1 : Math.min(1, 2 * binomialCdf(Math.min(onlyA, onlyB), discordant, 0.5));
    return { onlyA, onlyB, method: 'EXACT_BINOMIAL', statistic: null, pValue };
  }
  const statistic = (Math.abs(onlyA - onlyB) - 1) ** 2 / discordant;
  return {
    onlyA,
    onlyB,
    method: 'CHI_SQUARE_CC',
    statistic,
    pValue: chiSquareSurvival(statistic, 1),
  };
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed term by term in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logNFactorial = logGamma(n + 1);
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(
      logNFactorial - logGamma(i + 1) - logGamma(n - i + 1) + i * logP + (n - i) * logQ,
    );
  }
  return Math.min(1, sum);
}

/** P(X > x) for X ~ chi-square with `degrees` degrees of freedom: the regularised upper gamma Q(k/2, x/2). */
export function chiSquareSurvival(x: number, degrees: number): number {
  if (x <= 0) return 1;
  return regularizedGammaQ(degrees / 2, x / 2);
}

/** Q(a, x) = Γ(a, x) / Γ(a): the series for x < a + 1, else the continued fraction (Numerical Recipes §6.2). */
export function regularizedGammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new RangeError('regularizedGammaQ needs a > 0 and x >= 0');
  if (x === 0) return 1;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

const EPSILON = 1e-15;
const MAX_TERMS = 10_000;
const TINY = 1e-300;

function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_TERMS && Math.abs(term) > Math.abs(sum) * EPSILON; n++) {
    term *= x / (a + n);
    sum += term;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Modified Lentz evaluation of the continued fraction for Γ(a, x). */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_TERMS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** One example scored by both systems. */
export interface PairedScore {
  correctA: boolean;
  correctB: boolean;
  f1A: number;
  f1B: number;
}

export interface Interval {
  /** The value on the actual pairs. */
  estimate: number;
  lower: number;
  upper: number;
}

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** e.g. 0.95 */
  confidenceLevel: number;
}

export interface BootstrapResult extends BootstrapOptions {
  accuracyA: Interval;
  accuracyB: Interval;
  /** Accuracy of B minus accuracy of A. */
  accuracyDifference: Interval;
  f1A: Interval;
  f1B: Interval;
  f1Difference: Interval;
}

/**
 * Paired bootstrap: draw n pairs with replacement (seeded, so the intervals are reproducible),
 * recompute every statistic on the draw, and take the percentile interval of the resampled values.
 * Resampling pairs, not each side on its own, keeps the correlation between A and B.
 */
export function pairedBootstrap(
  pairs: readonly PairedScore[],
  options: BootstrapOptions,
): BootstrapResult {
  const actual = pairedMeans(pairs);
  const n = pairs.length;
  // Flat typed arrays: a resample of 100 000 pairs is a tight loop, not 100 000 object reads.
  const correctA = Uint8Array.from(pairs, (pair) => Number(pair.correctA));
  const correctB = Uint8Array.from(pairs, (pair) => Number(pair.correctB));
  const f1A = Float64Array.from(pairs, (pair) => pair.f1A);
  const f1B = Float64Array.from(pairs, (pair) => pair.f1B);
  const resampled = Array.from({ length: 6 }, () => new Float64Array(options.resamples));
  const random = createPrng(options.seed);
  for (let r = 0; r < options.resamples && n > 0; r++) {
    let sumCorrectA = 0;
    let sumCorrectB = 0;
    let sumF1A = 0;
    let sumF1B = 0;
    for (let draw = 0; draw < n; draw++) {
      const i = randomIndex(random, n);
      sumCorrectA += correctA[i]!;
      sumCorrectB += correctB[i]!;
      sumF1A += f1A[i]!;
      sumF1B += f1B[i]!;
    }
    const statistics = [
      sumCorrectA / n,
      sumCorrectB / n,
      (sumCorrectB - sumCorrectA) / n,
      sumF1A / n,
      sumF1B / n,
      (sumF1B - sumF1A) / n,
    ];
    statistics.forEach((value, i) => {
      resampled[i]![r] = value;
    });
  }
  const tail = ((1 - options.confidenceLevel) / 2) * 100;
  const interval = (i: number, estimate: number): Interval => {
    if (n === 0) return { estimate: 0, lower: 0, upper: 0 };
    const sorted = Array.from(resampled[i]!.sort());
    return { estimate, lower: percentile(sorted, tail), upper: percentile(sorted, 100 - tail) };
  };
  return {
    ...options,
    accuracyA: interval(0, actual.accuracyA),
    accuracyB: interval(1, actual.accuracyB),
    accuracyDifference: interval(2, actual.accuracyB - actual.accuracyA),
    f1A: interval(3, actual.f1A),
    f1B: interval(4, actual.f1B),
    f1Difference: interval(5, actual.f1B - actual.f1A),
  };
}

/** Accuracy and mean F1 of each side over the pairs (0 for no pairs). */
export function pairedMeans(pairs: readonly PairedScore[]): {
  accuracyA: number;
  accuracyB: number;
  f1A: number;
  f1B: number;
} {
  const n = pairs.length;
  let correctA = 0;
  let correctB = 0;
  let f1A = 0;
  let f1B = 0;
  for (const pair of pairs) {
    if (pair.correctA) correctA += 1;
    if (pair.correctB) correctB += 1;
    f1A += pair.f1A;
    f1B += pair.f1B;
  }
  const mean = (sum: number) => (n === 0 ? 0 : sum / n);
  return { accuracyA: mean(correctA), accuracyB: mean(correctB), f1A: mean(f1A), f1B: mean(f1B) };
}

/**
 * Holm–Bonferroni adjusted p-values, in the input order: controls the family-wise error rate over
 * many pairwise tests. Sorted ascending, the i-th smallest (from 0) is multiplied by m − i, then
 * made monotone (an adjusted value is never below the one before it) and capped at 1.
 */
export function holmBonferroni(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues
    .map((p, index) => ({ p, index }))
    .sort((x, y) => x.p - y.p || x.index - y.index);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/** Wilson score interval for a proportion (successes of n) at the given two-sided confidence level. */
export function wilsonInterval(successes: number, n: number, confidenceLevel: number): Interval {
  if (n === 0) return { estimate: 0, lower: 0, upper: 0 };
  const z = normalQuantile(1 - (1 - confidenceLevel) / 2);
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(probability: number): number {
  if (!(probability > 0 && probability < 1))
    throw new RangeError(`probability must be in (0, 1), got ${probability}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (probability < low) return tail(Math.sqrt(-2 * Math.log(probability)));
  if (probability > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - probability)));
  const q = probability - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}
