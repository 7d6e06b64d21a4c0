/**
 * Answer scoring: SQuAD-style normalisation extended so that numbers survive it intact
 * ("14.3" stays "14.3", "2,161,000" becomes "2161000", "17.50" becomes "17.5").
 */

export interface AnswerScore {
  exact: boolean;
  substring: boolean;
  correct: boolean;
  f1: number;
  matchedAlias: string | null;
}

const ARTICLES = new Set(['a', 'an', 'the']);

/**
 * A number inside free text, captured whole so `split` returns it as its own segment.
 * A minus sign counts only at the start of a token (so "covid-19" is not negative), thousands
 * groups must be exactly three digits, and "1.2.3"-style dotted runs are not numbers at all.
 */
const NUMBER_IN_TEXT =
  /(?<![\p{N}.])((?:(?<![^\s([{])[-\u2212])?\d+(?:,\d{3}(?!\d))*(?:\.\d+)?)(?!\.?\d)/u;

const PURE_NUMBER =
  /^([+\-\u2212]?)\s*[$€£]?\s*([+\-\u2212]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*%?\.?$/u;

const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]/gu;
const COMBINING_ACCENTS = /[\u0300-\u036f]/g;
const RELATIVE_TOLERANCE = 1e-9;

export function normalizeAnswer(text: string): string {
  return normalizedTokens(text).join(' ');
}

export function parseNumber(text: string): number | null {
  const match = PURE_NUMBER.exec(text.normalize('NFKC').trim());
  if (!match) return null;
  const [, signBeforeCurrency = '', signAfterCurrency = '', digits = ''] = match;
  if (signBeforeCurrency && signAfterCurrency) return null;
  const negative = isMinus(signBeforeCurrency) || isMinus(signAfterCurrency);
  const value = Number(digits.replace(/,/g, ''));
  return negative ? -value : value;
}

export function tokenF1(prediction: string, gold: string): number {
  return f1OfTokens(normalizedTokens(prediction), normalizedTokens(gold));
}

export function scoreAnswer(
  prediction: string,
  gold: { answer: string; aliases: readonly string[] },
): AnswerScore {
  const predicted = analyse(prediction);
  if (predicted.tokens.length === 0) return noMatch();
  let exactAlias: string | null = null;
  let substringAlias: string | null = null;
  let bestF1 = 0;

  for (const candidate of [gold.answer, ...gold.aliases]) {
    const expected = analyse(candidate);
    if (expected.tokens.length === 0) continue;
    const exact = isExact(predicted, expected);
    const substring = exact || isContained(predicted, expected);
    if (exact && exactAlias === null) exactAlias = candidate;
    if (substring && substringAlias === null) substringAlias = candidate;
    // An exact numeric match such as "0.5" vs ".5" shares no tokens, yet is a perfect answer.
    bestF1 = Math.max(bestF1, exact ? 1 : f1OfTokens(predicted.tokens, expected.tokens));
  }

  return {
    exact: exactAlias !== null,
    substring: substringAlias !== null,
    correct: substringAlias !== null,
    f1: bestF1,
    matchedAlias: exactAlias ?? substringAlias,
  };
}

interface AnalysedText {
  tokens: string[];
  normalized: string;
  number: number | null;
}

function analyse(text: string): AnalysedText {
  const tokens = normalizedTokens(text);
  return { tokens, normalized: tokens.join(' '), number: parseNumber(text) };
}

function noMatch(): AnswerScore {
  return { exact: false, substring: false, correct: false, f1: 0, matchedAlias: null };
}

function isExact(predicted: AnalysedText, expected: AnalysedText): boolean {
  if (predicted.normalized === expected.normalized) return true;
  return bothNumbersEqual(predicted.number, expected.number);
}

function isContained(predicted: AnalysedText, expected: AnalysedText): boolean {
  if (containsSequence(predicted.tokens, expected.tokens)) return true;
  if (expected.number === null) return false;
  return predicted.tokens.some((token) => bothNumbersEqual(parseNumber(token), expected.number));
}

function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  const lastStart = haystack.length - needle.length;
  for (let start = 0; start <= lastStart; start++) {
    if (needle.every((token, offset) => haystack[start + offset] === token)) return true;
  }
  return false;
}

function bothNumbersEqual(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return false;
  if (a === b) return true;
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

function f1OfTokens(predicted: readonly string[], expected: readonly string[]): number {
  if (predicted.length === 0 || expected.length === 0) return 0;
  const overlap = multisetOverlap(predicted, expected);
  if (overlap === 0) return 0;
  const precision = overlap / predicted.length;
  const recall = overlap / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

function multisetOverlap(a: readonly string[], b: readonly string[]): number {
  const remaining = new Map<string, number>();
  for (const token of b) remaining.set(token, (remaining.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of a) {
    const count = remaining.get(token) ?? 0;
    if (count === 0) continue;
    remaining.set(token, count - 1);
    overlap++;
  }
  return overlap;
}

function normalizedTokens(text: string): string[] {
  const lowered = text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_ACCENTS, '')
    .normalize('NFC');
  // split() with a capturing group alternates plain text (even indices) and numbers (odd indices).
  const segments = lowered.split(NUMBER_IN_TEXT);
  const cleaned = segments.map((segment, index) =>
    index % 2 === 1 ? canonicalNumber(segment) : segment.replace(PUNCTUATION_OR_SYMBOL, ''),
  );
  return cleaned
    .join('')
    .split(/\s+/)
    .filter((token) => token !== '' && !ARTICLES.has(token));
}

function canonicalNumber(raw: string): string {
  const negative = isMinus(raw.charAt(0));
  let digits = (negative ? raw.slice(1) : raw).replace(/,/g, '');
  if (digits.includes('.')) digits = digits.replace(/0+$/, '').replace(/\.$/, '');
  const isZero = /^0*(\.0*)?$/.test(digits);
  return negative && !isZero ? `-${digits}` : digits;
}

function isMinus(sign: string): boolean {
  return sign === '-' || sign === '\u2212';
}
