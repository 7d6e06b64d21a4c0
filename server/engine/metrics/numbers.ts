/**
 * Number forms that answer scoring reads as one value: fractions ("2/5"), scientific notation
 * ("8e14", "8 × 10^14", "8*10^14"), and scale words ("2.5 million"). Each is rewritten to a plain
 * decimal before tokenising, so "2/5" becomes "0.4" instead of losing its slash and reading "25".
 */

const SCALE_WORDS: Readonly<Record<string, number>> = {
  thousand: 1e3,
  million: 1e6,
  billion: 1e9,
  trillion: 1e12,
};

const DECIMAL = String.raw`\d+(?:,\d{3})*(?:\.\d+)?`;
/** "8 × 10^14", "8x10^14", "8*10^14", "8 · 10^14", "8 × 10¹⁴" is NFKC-normalised to "8 × 1014", so only "^" forms count. */
const TIMES_TEN_POWER = new RegExp(
  String.raw`(?<![\d.])(${DECIMAL})\s*(?:[x×*·]|\\times)\s*10\s*\^\s*\{?\s*([-+]?\d{1,3})\s*\}?`,
  'gu',
);
const E_NOTATION = /(?<![\d.\p{L}])(\d+(?:\.\d+)?)e([-+]?\d{1,3})(?![\p{L}\d])/gu;
/** A fraction "a/b" that is not part of a date such as 12/25/2020. */
const FRACTION = /(?<![\d/.,])(\d+)\s*\/\s*(\d+)(?![\d/]|\.\d)/gu;
const SCALED = new RegExp(
  String.raw`(?<![\d.])(${DECIMAL})\s+(${Object.keys(SCALE_WORDS).join('|')})(?![\p{L}])`,
  'gu',
);

/** Rewrites the number forms above in lower-cased text; "−" (U+2212) becomes "-". */
export function rewriteNumberForms(lowered: string): string {
  return lowered
    .replace(/\u2212/g, '-')
    .replace(/(?<![\d.])\.(\d)/gu, '0.$1')
    .replace(TIMES_TEN_POWER, (_all, mantissa: string, power: string) =>
      plain(toNumber(mantissa) * 10 ** Number(power)),
    )
    .replace(E_NOTATION, (_all, mantissa: string, power: string) =>
      plain(Number(mantissa) * 10 ** Number(power)),
    )
    .replace(FRACTION, (all, numerator: string, denominator: string) =>
      Number(denominator) === 0 ? all : plain(Number(numerator) / Number(denominator)),
    )
    .replace(SCALED, (_all, amount: string, word: string) =>
      plain(toNumber(amount) * (SCALE_WORDS[word] as number)),
    );
}

/** Whether a fraction in the text has no exact short decimal (1/3): such golds accept a rounded decimal. */
export function hasRepeatingFraction(lowered: string): boolean {
  for (const match of lowered.matchAll(FRACTION)) {
    const value = Number(match[1]) / Number(match[2]);
    if (Number.isFinite(value) && decimalsOf(plain(value)) > 6) return true;
  }
  return false;
}

/** Digits after the decimal point as written ("14.30" → 2, "14" → 0). */
export function decimalsOf(token: string): number {
  const point = token.indexOf('.');
  return point < 0 ? 0 : token.length - point - 1;
}

function toNumber(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/** The value rounded to 12 significant digits (so 6/15 reads exactly "0.4"); an exponent only beyond 1e21. */
function plain(value: number): string {
  return String(Number(value.toPrecision(12)));
}
