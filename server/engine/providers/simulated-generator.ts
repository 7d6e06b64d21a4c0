import { containsAnswer } from '../metrics/scoring.ts';

/**
 * The simulator as a dataset generator: it turns sentences of the passage into questions by
 * replacing one fact — a year, another number, or a capitalised name — with a question phrase
 * ("which year", "how many", "what"), and gives that fact, copied from the passage, as the answer.
 * One pair per sentence first, then a second fact of the same sentences, up to `count`; the reply is
 * the JSON object the generation prompt asks for. Deterministic: the same passage gives the same pairs.
 */
export function simulatedPairs(request: { title: string; passage: string; count: number }): string {
  const sentences = request.passage
    .trim()
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\d"“(])/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length >= 20 && sentence.length <= MAX_SENTENCE_CHARS);
  // Whole sentences first: a word window may cut the first and the last one short.
  const whole = (sentence: string) =>
    /^[\p{Lu}\d"“(]/u.test(sentence) && /[.!?]["”)]?$/.test(sentence);
  const ordered = [...sentences.filter(whole), ...sentences.filter((s) => !whole(s))];
  const perSentence = ordered.map((sentence) => candidates(sentence, request.title));
  const pairs: { question: string; answer: string }[] = [];
  const deepest = Math.max(0, ...perSentence.map((list) => list.length));
  for (let round = 0; round < deepest && pairs.length < request.count; round++) {
    for (const list of perSentence) {
      const pair = list[round];
      if (pair && pairs.length < request.count) pairs.push(pair);
    }
  }
  return JSON.stringify({ pairs });
}

/** Longer sentences make questions nobody would ask (and exceed the question length limit). */
const MAX_SENTENCE_CHARS = 300;

const MONTHS_AND_DAYS = new Set(
  'January February March April May June July August September October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(
    ' ',
  ),
);
const LEADING_WORDS = new Set(
  'The A An It Its In On At By For From This That These Those He She They His Her Their When While After Before During Although Including Today Since'.split(
    ' ',
  ),
);
const NUMBER =
  /(?<![\p{L}\p{N}.,\u2212-])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\p{L}\p{N}])|(?<![\p{L}\p{N}.,\u2212-])\d+(?:\.\d+)?(?![\p{L}\p{N}]|[.,]\d)/gu;
const SCALED = /^\s*(?:%|percent|per cent|thousand|million|billion|trillion)\b/;
const NAME =
  /(?<![\p{L}\p{N}'’-])\p{Lu}[\p{L}'’-]+(?:\s+(?:of\s+|de\s+|the\s+)?\p{Lu}[\p{L}'’-]+)*/gu;

interface Fact {
  index: number;
  text: string;
  phrase: string;
}

/** The questions one sentence gives, best fact first: years, then other numbers, then names. */
function candidates(sentence: string, title: string): { question: string; answer: string }[] {
  const facts: Fact[] = [];
  for (const match of sentence.matchAll(NUMBER)) {
    // "A$7 million" is a sum, not the number 7: an answer "7" would not be found in the passage as a value.
    if (/[$€£]$/.test(sentence.slice(0, match.index))) continue;
    if (SCALED.test(sentence.slice(match.index + match[0].length))) continue;
    const value = Number(match[0].replaceAll(',', ''));
    const era = /^\s*(?:BC|BCE|AD|CE)\b/.test(sentence.slice(match.index + match[0].length));
    const year =
      era || (!match[0].includes(',') && !match[0].includes('.') && value >= 1000 && value <= 2100);
    facts.push({ index: match.index, text: match[0], phrase: year ? 'which year' : 'how many' });
  }
  for (const match of sentence.matchAll(NAME)) {
    let text = match[0];
    let index = match.index;
    // A capitalised first word is usually just the start of the sentence ("The", "Construction").
    for (;;) {
      const first = /^\S+/.exec(text)?.[0] ?? '';
      const single = first === text;
      if (!LEADING_WORDS.has(first) && !(index === 0 && single)) break;
      if (single) {
        text = '';
        break;
      }
      const rest = text.slice(first.length);
      index += first.length + rest.length - rest.trimStart().length;
      text = rest.trimStart();
    }
    const words = text.split(/\s+/);
    text = text.replace(/['’]s$/, '');
    if (text.length < 3) continue;
    if (words.every((word) => MONTHS_AND_DAYS.has(word))) continue;
    // The subject of the article is no fact to ask for: every question names it.
    if (title.toLowerCase().includes(text.toLowerCase())) continue;
    facts.push({ index, text, phrase: 'what' });
  }
  // Failing numbers and names, the longest content word: "Because it resists what and does not tarnish?"
  const known = facts.map((fact) => fact.text.toLowerCase());
  const word = [...sentence.matchAll(/(?<![\p{L}'’-])\p{Ll}[\p{Ll}-]{6,}(?![\p{L}'’-])/gu)]
    .filter((match) => match.index > 0 && !known.some((text) => text.includes(match[0])))
    .sort((a, b) => b[0].length - a[0].length || a.index - b.index)[0];
  if (word) facts.push({ index: word.index, text: word[0], phrase: 'what' });
  const rank = (fact: Fact) =>
    fact.phrase === 'which year'
      ? 0
      : fact.phrase === 'how many'
        ? 1
        : /^\p{Lu}/u.test(fact.text)
          ? 2
          : 3;
  facts.sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  const pairs: { question: string; answer: string }[] = [];
  for (const fact of facts) {
    const before = sentence.slice(0, fact.index);
    const after = sentence.slice(fact.index + fact.text.length).replace(/[.!?]+$/, '');
    const phrase = fact.index === 0 ? capitalise(fact.phrase) : fact.phrase;
    const asked = `${before}${phrase}${after}`.trim();
    const question = asked.toLowerCase().includes(title.toLowerCase())
      ? `${asked}?`
      : `${title}: ${asked}?`;
    // A question that still states the answer elsewhere would give it away.
    if (containsAnswer(question, { answer: fact.text, aliases: [] })) continue;
    pairs.push({ question, answer: fact.text });
  }
  return pairs;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
