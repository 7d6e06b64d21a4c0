/**
 * Answer scoring that reads numbers and names the way a careful reader would. SQuAD-style
 * normalisation (case, accents, punctuation, articles) extended so that numbers survive it as values
 * ("2,161,000" is 2161000, "2/5" is 0.4, "8 × 10^14" is 8e14), units have one spelling each (see
 * units.ts), and hyphens between word parts are spaces. The rules, with examples, are in the README
 * ("Metrics") and in test/unit/scoring.test.ts.
 */
import { decimalsOf, hasRepeatingFraction, rewriteNumberForms } from './numbers.ts';
import { canonicalUnits, UNIT_WORDS } from './units.ts';

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
const WORD_JOINING_DASH = /(?<=[\p{L}\p{N}])[-\u2010\u2011\u2012\u2013\u2014](?=[\p{L}\p{N}])/gu;
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
    if (expected.core.length === 0) continue;
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

/**
 * Whether a text (a retrieved passage, say) mentions the gold answer or an alias as whole tokens,
 * numbers compared as values. Unlike substring scoring, no hedge or conflicting-number rule applies:
 * a passage is not an answer, it only has to hold one.
 */
export function containsAnswer(
  text: string,
  gold: { answer: string; aliases: readonly string[] },
): boolean {
  const haystack = analyse(text);
  return [gold.answer, ...gold.aliases].some((candidate) => {
    const expected = analyse(candidate);
    return expected.core.length > 0 && findSequence(haystack.core, expected.core, expected) >= 0;
  });
}

/** Words that say a gold number is rounded ("about 14.3"): dropped from the comparison, they widen the tolerance. */
const APPROXIMATION_WORDS = new Set([
  'about',
  'approximately',
  'approx',
  'around',
  'roughly',
  'circa',
  'ca',
  'nearly',
  'almost',
  'some',
]);
const APPROXIMATION_SYMBOLS = /[~≈∼]/u;
/** Words that join alternative answers: a prediction listing candidates commits to none of them. */
const ALTERNATIVE_WORDS = new Set(['or', 'either']);
const NUMERIC_TOKEN = /^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/;

interface AnalysedText {
  /** Every normalised token (what F1 counts). */
  tokens: string[];
  /** The tokens without approximation words (what exact and substring compare). */
  core: string[];
  /** The text hedges its number ("about 14.3"): it matches any value that rounds to it. */
  approximate: boolean;
  /** The text holds a fraction with no short decimal (1/3): a decimal rounded to 2+ places matches it. */
  repeatingFraction: boolean;
}

function analyse(text: string): AnalysedText {
  const tokens = normalizedTokens(text);
  const core = tokens.filter((token) => !APPROXIMATION_WORDS.has(token));
  const lowered = text.normalize('NFKC').toLowerCase();
  return {
    tokens,
    core,
    approximate: core.length < tokens.length || APPROXIMATION_SYMBOLS.test(lowered),
    repeatingFraction: hasRepeatingFraction(lowered),
  };
}

function noMatch(): AnswerScore {
  return { exact: false, substring: false, correct: false, f1: 0, matchedAlias: null };
}

/** Same tokens (numbers compared as values), or the same quantity with the unit written on one side only. */
function isExact(predicted: AnalysedText, expected: AnalysedText): boolean {
  const [p, g] = [predicted.core, expected.core];
  if (p.length === g.length && p.every((token, i) => tokensMatch(token, g[i] as string, expected)))
    return true;
  const [qp, qg] = [quantityOf(p), quantityOf(g)];
  if (!qp || !qg) return false;
  return (
    numbersMatch(qp.number, qg.number, expected) &&
    (qp.unit === null || qg.unit === null || qp.unit === qg.unit)
  );
}

/**
 * The gold appears in the prediction as whole tokens, unless the prediction hedges (lists
 * alternatives with "or"/"either" the gold does not contain) or changes a name with a number
 * right after it ("Sputnik 2" does not contain the answer "Sputnik").
 */
function isContained(predicted: AnalysedText, expected: AnalysedText): boolean {
  if (listsAlternatives(predicted.core, expected.core)) return false;
  const start = findSequence(predicted.core, expected.core, expected);
  if (start >= 0)
    return !numberFollows(predicted.core, start + expected.core.length, expected.core);
  const quantity = quantityOf(expected.core);
  if (!quantity) return false;
  // A bare gold number found in a sentence, with no other unit right after it ("17.50 dollars" for "17.5").
  return predicted.core.some((token, i) => {
    if (!isNumeric(token) || !numbersMatch(token, quantity.number, expected)) return false;
    const next = predicted.core[i + 1];
    return quantity.unit === null
      ? next === undefined || !UNIT_WORDS.has(next)
      : next === quantity.unit;
  });
}

function listsAlternatives(prediction: readonly string[], gold: readonly string[]): boolean {
  return prediction.some(
    (token, i) =>
      ALTERNATIVE_WORDS.has(token) && !gold.includes(token) && i > 0 && i < prediction.length - 1,
  );
}

function numberFollows(
  prediction: readonly string[],
  end: number,
  gold: readonly string[],
): boolean {
  const next = prediction[end];
  return next !== undefined && isNumeric(next) && !gold.some(isNumeric);
}

interface Quantity {
  number: string;
  unit: string | null;
}

/** "14.3", "100 celsius", "17.5 usd": one number and at most one unit word after it. */
function quantityOf(tokens: readonly string[]): Quantity | null {
  const [first, second] = tokens;
  if (first === undefined || !isNumeric(first) || tokens.length > 2) return null;
  if (second !== undefined && !UNIT_WORDS.has(second)) return null;
  return { number: first, unit: second ?? null };
}

function findSequence(
  haystack: readonly string[],
  needle: readonly string[],
  expected: AnalysedText,
): number {
  const lastStart = haystack.length - needle.length;
  for (let start = 0; start <= lastStart; start++) {
    if (
      needle.every((token, offset) =>
        tokensMatch(haystack[start + offset] as string, token, expected),
      )
    )
      return start;
  }
  return -1;
}

function tokensMatch(predicted: string, gold: string, expected: AnalysedText): boolean {
  if (predicted === gold) return true;
  return isNumeric(predicted) && isNumeric(gold) && numbersMatch(predicted, gold, expected);
}

function isNumeric(token: string): boolean {
  return NUMERIC_TOKEN.test(token);
}

/**
 * Numbers match when equal (up to floating-point noise), or within rounding when the gold says so:
 * a hedged gold ("about 14.3") accepts anything that rounds to it at its own precision (14.25..14.35);
 * a repeating-fraction gold (1/3) accepts a decimal of 2+ places that it rounds to (0.33, 0.333).
 */
function numbersMatch(predictedToken: string, goldToken: string, expected: AnalysedText): boolean {
  const [p, g] = [Number(predictedToken), Number(goldToken)];
  if (Math.abs(p - g) <= RELATIVE_TOLERANCE * Math.max(Math.abs(p), Math.abs(g))) return true;
  if (expected.approximate)
    return Math.abs(p - g) <= 0.5 * 10 ** -decimalsOf(goldToken) + RELATIVE_TOLERANCE * Math.abs(g);
  const places = decimalsOf(predictedToken);
  if (expected.repeatingFraction && places >= 2) return Math.abs(p - g) <= 0.5 * 10 ** -places;
  return false;
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
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_ACCENTS, '')
    .normalize('NFC');
  // Hyphens and dashes between word parts are spaces: "Sputnik-1" is "Sputnik 1", "Berners-Lee" is "Berners Lee".
  const lowered = canonicalUnits(rewriteNumberForms(folded)).replace(WORD_JOINING_DASH, ' ');
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
