/**
 * How the dashboard prints numbers. Pure functions with a fixed locale, so the browser tests can
 * format the API's values the same way and compare them with the page exactly.
 */

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 0.42 ms, 12.3 ms, 987 ms, 1.23 s, 12.3 s, 2 min 05 s */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** A fraction as a percentage: 0.625 → "62.5 %". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** 1234567 → "1,234,567" */
export function formatInteger(n: number): string {
  return INTEGER.format(n);
}

/** Samples per second. */
export function formatThroughput(perSecond: number): string {
  return `${perSecond < 10 ? perSecond.toFixed(2) : perSecond.toFixed(1)} /s`;
}

/** F1 and other scores in [0, 1]. */
export function formatScore(score: number): string {
  return score.toFixed(3);
}

/** A signed difference of fractions in percentage points: +4.0 pp, −2.5 pp. */
export function formatPoints(difference: number): string {
  const points = difference * 100;
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±';
  return `${sign}${Math.abs(points).toFixed(1)} pp`;
}

/** p-values: 4 significant digits, scientific below 0.0001. */
export function formatPValue(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

export function formatUsd(usd: number): string {
  return usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(2)}`;
}

/** An ISO instant in the viewer's time zone, to the second. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
