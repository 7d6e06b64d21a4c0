/**
 * The unit-alias table of answer scoring: every spelling of a unit is rewritten to one canonical
 * word, so "100°C" and "100 degrees Celsius" normalise alike. Kept small on purpose: a unit belongs
 * here when public QA data spells it several ways. Units are never converted (°F is not °C).
 */
export interface UnitAlias {
  canonical: string;
  /** Spellings, matched case-insensitively as whole words (symbols need no word boundary). */
  spellings: readonly string[];
  /** Spellings that are ordinary words or letters on their own: rewritten only right after a number. */
  afterNumberOnly?: readonly string[];
}

export const UNIT_ALIASES: readonly UnitAlias[] = [
  // temperature
  {
    canonical: 'celsius',
    spellings: [
      'degrees celsius',
      'degree celsius',
      'degrees centigrade',
      '°c',
      'º c',
      '℃',
      'celsius',
      'centigrade',
    ],
    afterNumberOnly: ['c'],
  },
  {
    canonical: 'fahrenheit',
    spellings: ['degrees fahrenheit', 'degree fahrenheit', '°f', '℉', 'fahrenheit'],
    afterNumberOnly: ['f'],
  },
  { canonical: 'kelvin', spellings: ['kelvins', 'kelvin'] },
  // speed (before length, so "km/h" is not read as "km")
  {
    canonical: 'mps',
    spellings: [
      'meters per second',
      'metres per second',
      'meter per second',
      'metre per second',
      'm/s',
    ],
  },
  {
    canonical: 'kph',
    spellings: [
      'kilometers per hour',
      'kilometres per hour',
      'kilometer per hour',
      'kilometre per hour',
      'km/h',
      'kmh',
      'kph',
    ],
  },
  { canonical: 'mph', spellings: ['miles per hour', 'mile per hour', 'mph'] },
  // length
  { canonical: 'km', spellings: ['kilometers', 'kilometres', 'kilometer', 'kilometre', 'km'] },
  { canonical: 'cm', spellings: ['centimeters', 'centimetres', 'centimeter', 'centimetre', 'cm'] },
  { canonical: 'mm', spellings: ['millimeters', 'millimetres', 'millimeter', 'millimetre', 'mm'] },
  { canonical: 'metre', spellings: ['meters', 'metres', 'meter', 'metre'], afterNumberOnly: ['m'] },
  { canonical: 'mile', spellings: ['miles', 'mile'], afterNumberOnly: ['mi'] },
  { canonical: 'foot', spellings: ['feet', 'foot'], afterNumberOnly: ['ft'] },
  { canonical: 'inch', spellings: ['inches', 'inch'] },
  // money (symbols are moved behind the amount: "$17.50" reads "17.50 usd")
  { canonical: 'usd', spellings: ['us dollars', 'dollars', 'dollar', 'usd'] },
  { canonical: 'eur', spellings: ['euros', 'euro', 'eur'] },
  { canonical: 'gbp', spellings: ['pounds sterling', 'gbp'] },
  // time
  { canonical: 'hour', spellings: ['hours', 'hour', 'hrs', 'hr'], afterNumberOnly: ['h'] },
  { canonical: 'minute', spellings: ['minutes', 'minute', 'mins'], afterNumberOnly: ['min'] },
  { canonical: 'second', spellings: ['seconds', 'secs'], afterNumberOnly: ['second', 'sec'] },
  { canonical: 'day', spellings: ['days', 'day'] },
  { canonical: 'year', spellings: ['years', 'year', 'yrs'], afterNumberOnly: ['yr'] },
  // share
  { canonical: 'percent', spellings: ['per cent', 'percent', '%'] },
];

export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  $: 'usd',
  '€': 'eur',
  '£': 'gbp',
};

/** Every canonical unit word (a token that names a unit, for the "same quantity" rule). */
export const UNIT_WORDS: ReadonlySet<string> = new Set(
  UNIT_ALIASES.map((alias) => alias.canonical),
);

interface Rewrite {
  pattern: RegExp;
  replacement: string;
}

const NUMBER_END = String.raw`(?<=\d)\s*`;

/** Longest spellings first, so "degrees celsius" wins over "celsius" and "km/h" over "km". */
const REWRITES: readonly Rewrite[] = UNIT_ALIASES.flatMap(
  ({ canonical, spellings, afterNumberOnly = [] }) =>
    [
      ...spellings.map((spelling) => ({ spelling, pattern: spellingPattern(spelling, '') })),
      ...afterNumberOnly.map((spelling) => ({
        spelling,
        pattern: spellingPattern(spelling, NUMBER_END),
      })),
    ].map(({ pattern }) => ({ pattern, replacement: ` ${canonical} ` })),
)
  .map((rewrite, index) => ({ rewrite, index, length: rewrite.pattern.source.length }))
  .sort((a, b) => b.length - a.length || a.index - b.index)
  .map(({ rewrite }) => rewrite);

function spellingPattern(spelling: string, prefix: string): RegExp {
  const escaped = spelling.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+');
  const startsWithWord = /^[\p{L}\p{N}]/u.test(spelling);
  const endsWithWord = /[\p{L}\p{N}]$/u.test(spelling);
  const before = prefix !== '' ? prefix : startsWithWord ? String.raw`(?<![\p{L}\p{N}])` : '';
  const after = endsWithWord ? String.raw`(?![\p{L}\p{N}])` : '';
  return new RegExp(`${before}${escaped}${after}`, 'gu');
}

/**
 * Matches where any rewrite above would. A text it does not match is left as it is by every rewrite
 * (each would have to match the text as the ones before left it, which is the text itself), so one
 * scan stands for all of them: most answers name no unit.
 */
const ANY_REWRITE = new RegExp(
  REWRITES.map(({ pattern }) => `(?:${pattern.source})`).join('|'),
  'u',
);

/**
 * The first character of every spelling. A text with none of them cannot match any rewrite, and this
 * one class is read in a fraction of ANY_REWRITE's time (80 alternatives, each with look-arounds, tried
 * at every position): a bare number ("1234"), as most numeric answers and golds are, is decided here.
 */
const ANY_FIRST_CHARACTER = new RegExp(`[${[...firstCharacters()].map(inClass).join('')}]`, 'u');

function firstCharacters(): Set<string> {
  const spellings = UNIT_ALIASES.flatMap(({ spellings, afterNumberOnly = [] }) => [
    ...spellings,
    ...afterNumberOnly,
  ]);
  return new Set(spellings.map((spelling) => spelling.charAt(0)));
}

function inClass(character: string): string {
  return character.replace(/[\\\]^-]/g, '\\$&');
}

/** Rewrites unit spellings and currency symbols of lower-cased text to canonical unit words. */
export function canonicalUnits(lowered: string): string {
  let text = lowered.replace(
    /([$€£])\s*([-\u2212]?\d[\d,.]*)/gu,
    (_all, symbol: string, amount: string) => `${amount} ${CURRENCY_SYMBOLS[symbol]} `,
  );
  if (!ANY_FIRST_CHARACTER.test(text) || !ANY_REWRITE.test(text)) return text;
  for (const { pattern, replacement } of REWRITES) text = text.replace(pattern, replacement);
  return text;
}
