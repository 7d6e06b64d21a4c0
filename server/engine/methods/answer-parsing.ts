/**
 * Extracts the answer a model committed to from its raw output. Every cut here must respect
 * periods that belong to the answer: decimals ("14.3", "$17.50") and abbreviations ("U.S.", "D.C.").
 */

const LEADING_LABEL = /^[*_`]*\s*(?:final\s+answer|answer|a)\s*[:：]\s*[*_`]*\s*/iu;

/** "the answer is", "final answer:", "answer:", "answer is" — optionally "the final answer is". */
const ANSWER_MARKER = /\b(?:the\s+)?(?:final\s+)?answer\s*(?:is\b|[:：])/giu;

/** Sentence break: terminal punctuation, whitespace, then an uppercase letter (never inside "14.3"). */
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=\p{Lu})/u;

const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
  ['\u00ab', '\u00bb'],
];

/** Words that end in a period as part of themselves, so the period is not a sentence end. */
const PERIOD_ABBREVIATIONS = new Set([
  'jr',
  'sr',
  'st',
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'mt',
  'ft',
  'inc',
  'ltd',
  'co',
  'corp',
  'vs',
  'etc',
]);

/** Dotted letter groups such as "U.S", "D.C", "e.g", "Ph.D" (the final period already removed). */
const DOTTED_ABBREVIATION = /^(?:\p{L}{1,3}\.)+\p{L}{1,3}$/u;

export function parseNaiveAnswer(text: string): string {
  const withoutLabel = text.trim().replace(LEADING_LABEL, '');
  return cleanAnswer(firstNonEmptyLine(withoutLabel) ?? '');
}

export function parseCotAnswer(text: string): string {
  const trimmed = text.trim();
  const afterMarker = textAfterLastMarker(trimmed);
  if (afterMarker !== null) return cleanAnswer(afterMarker);
  const lastLine = lastNonEmptyLine(trimmed);
  if (lastLine === undefined) return trimmed;
  return cleanAnswer(lastSentence(lastLine));
}

function textAfterLastMarker(text: string): string | null {
  const markers = [...text.matchAll(ANSWER_MARKER)];
  const last = markers[markers.length - 1];
  if (last === undefined) return null;
  const rest = text.slice(last.index + last[0].length);
  const [sameLine = '', ...laterLines] = rest.split(/\r?\n/);
  const answerOnSameLine = stripLeadingDecoration(sameLine);
  if (answerOnSameLine !== '') return answerOnSameLine;
  // "Final answer:\n42" — the answer sits on the next non-empty line.
  return firstNonEmptyLine(laterLines.join('\n')) ?? null;
}

function stripLeadingDecoration(text: string): string {
  // Covers "The answer is: 42" and "**Final answer:** 42", whose markdown closes after the marker.
  return text.replace(/^\s*[:：]?\s*(?:\*\*|__)?\s*/u, '').trim();
}

function lastSentence(line: string): string {
  const sentences = line.split(SENTENCE_BREAK);
  return sentences[sentences.length - 1] ?? line;
}

function firstNonEmptyLine(text: string): string | undefined {
  return nonEmptyLines(text)[0];
}

function lastNonEmptyLine(text: string): string | undefined {
  const lines = nonEmptyLines(text);
  return lines[lines.length - 1];
}

function nonEmptyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function cleanAnswer(raw: string): string {
  let answer = stripWrappers(unwrapBoxed(raw.trim()));
  answer = stripTrailingSentencePeriod(answer.replace(/[,;:]+$/u, '').trimEnd());
  return stripWrappers(answer);
}

/** LaTeX-style math chains of thought put the result in \boxed{...}. */
function unwrapBoxed(text: string): string {
  const boxed = /\\boxed\{([^{}]*)\}/u.exec(text);
  return boxed?.[1] ?? text;
}

function stripWrappers(text: string): string {
  let current = text.trim();
  for (;;) {
    const next = stripQuotePair(
      current
        .replace(/^[*_`]+/u, '')
        .replace(/[*_`]+$/u, '')
        .trim(),
    );
    if (next === current) return current;
    current = next;
  }
}

function stripQuotePair(text: string): string {
  if (text.length < 2) return text;
  const pair = QUOTE_PAIRS.find(([open, close]) => text.startsWith(open) && text.endsWith(close));
  return pair ? text.slice(1, -1).trim() : text;
}

function stripTrailingSentencePeriod(text: string): string {
  if (!text.endsWith('.') || text.endsWith('..')) return text;
  const lastWord = text.split(/\s+/).pop() ?? '';
  return isAbbreviation(lastWord) ? text : text.slice(0, -1);
}

function isAbbreviation(wordWithPeriod: string): boolean {
  const word = wordWithPeriod.slice(0, -1).replace(/^[("'\u201c\u2018]+/u, '');
  return DOTTED_ABBREVIATION.test(word) || PERIOD_ABBREVIATIONS.has(word.toLowerCase());
}
