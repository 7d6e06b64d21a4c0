import { describe, expect, it } from 'vitest';
import {
  normalizeAnswer,
  parseNumber,
  scoreAnswer,
  tokenF1,
} from '../../server/engine/metrics/scoring.ts';

describe('normalizeAnswer', () => {
  it.each([
    ['The Eiffel Tower', 'eiffel tower'],
    ['  An   apple a  DAY ', 'apple day'],
    ['Theory of the Atom', 'theory of atom'],
    ['Hello, world! (really?)', 'hello world really'],
    ["don't", 'dont'],
    ['U.S.', 'us'],
    ['the U.S. capital', 'us capital'],
    ['Washington, D.C.', 'washington dc'],
    ['C++', 'c'],
    ['Café au lait', 'cafe au lait'],
    ['ＡＢＣ', 'abc'],
    ['a\tb\nc', 'b c'],
    ['', ''],
    ['!!!', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it.each([
    ['2,161,000', '2161000'],
    ['2161000', '2161000'],
    ['$17.50', '17.5 usd'],
    ['17.50', '17.5'],
    ['17.5', '17.5'],
    ['14.3', '14.3'],
    ['14.30', '14.3'],
    ['14.0', '14'],
    ['50%', '50 percent'],
    ['The total is $17.50.', 'total is 17.5 usd'],
    ['-5 degrees', '-5 degrees'],
    ['covid-19', 'covid 19'],
    ['1.2.3', '123'],
    ['0.50', '0.5'],
  ])('keeps number %j intact as %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it('never splits a decimal into two tokens', () => {
    expect(normalizeAnswer('14.3')).not.toBe('14 3');
    expect(normalizeAnswer('14.3').split(' ')).toEqual(['14.3']);
  });
});

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    ['  42  ', 42],
    ['-7', -7],
    ['+2', 2],
    ['\u22123', -3],
    ['2,161,000', 2161000],
    ['1,234.5', 1234.5],
    ['$17.50', 17.5],
    ['€3', 3],
    ['£ 1,000', 1000],
    ['-$5', -5],
    ['$-5', -5],
    ['12.5%', 12.5],
    ['17.5.', 17.5],
    ['.5', 0.5],
    ['007', 7],
  ])('%j -> %d', (input, expected) => {
    expect(parseNumber(input)).toBe(expected);
  });

  it.each(['', 'abc', '12 apples', '1,23', '1e3', '-$-5', '1.2.3', 'NaN', 'Infinity', '$', '5 %%'])(
    '%j is not a number',
    (input) => {
      expect(parseNumber(input)).toBeNull();
    },
  );
});

describe('tokenF1', () => {
  it('computes partial overlap by hand: precision 2/3, recall 1 -> 0.8', () => {
    expect(tokenF1('the big red fox', 'red fox')).toBeCloseTo(0.8, 12);
  });

  it('is symmetric in precision/recall: precision 1, recall 2/3 -> 0.8', () => {
    expect(tokenF1('red fox', 'big red fox')).toBeCloseTo(0.8, 12);
  });

  it('counts repeated tokens as a multiset', () => {
    // prediction [red, red, red] vs gold [red, fox]: overlap 1, precision 1/3, recall 1/2 -> 0.4
    expect(tokenF1('red red red', 'red fox')).toBeCloseTo(0.4, 12);
  });

  it('is 1 for identical answers after normalisation', () => {
    expect(tokenF1('The Red Fox!', 'red fox')).toBe(1);
    expect(tokenF1('2,161,000', '2161000')).toBe(1);
  });

  it('is 0 with no overlap or an empty side', () => {
    expect(tokenF1('blue whale', 'red fox')).toBe(0);
    expect(tokenF1('', 'red fox')).toBe(0);
    expect(tokenF1('red fox', '')).toBe(0);
    expect(tokenF1('the', 'a')).toBe(0);
  });
});

const gold = (answer: string, aliases: readonly string[] = []) => ({ answer, aliases });

describe('scoreAnswer', () => {
  it('matches exactly after normalisation', () => {
    expect(scoreAnswer('The Eiffel Tower.', gold('Eiffel Tower'))).toEqual({
      exact: true,
      substring: true,
      correct: true,
      f1: 1,
      matchedAlias: 'Eiffel Tower',
    });
  });

  it('treats numerically equal answers as exact', () => {
    expect(scoreAnswer('$17.50', gold('17.5')).exact).toBe(true);
    expect(scoreAnswer('17.50', gold('$17.50')).exact).toBe(true);
    expect(scoreAnswer('14.30', gold('14.3')).exact).toBe(true);
    expect(scoreAnswer('2,161,000', gold('2161000')).exact).toBe(true);
    expect(scoreAnswer('0.5', gold('.5'))).toEqual({
      exact: true,
      substring: true,
      correct: true,
      f1: 1,
      matchedAlias: '.5',
    });
  });

  it('does not confuse different numbers', () => {
    expect(scoreAnswer('14', gold('14.3')).correct).toBe(false);
    expect(scoreAnswer('143', gold('14.3')).correct).toBe(false);
    expect(scoreAnswer('-5', gold('5')).exact).toBe(false);
    expect(scoreAnswer('5,000 people', gold('5')).correct).toBe(false);
    expect(scoreAnswer('17.51', gold('17.5')).correct).toBe(false);
  });

  it('finds "$17.50" inside a sentence', () => {
    expect(scoreAnswer('The total is $17.50.', gold('$17.50'))).toEqual({
      exact: false,
      substring: true,
      correct: true,
      f1: 2 / 3, // [total, is, 17.5, usd] vs [17.5, usd]: precision 2/4, recall 1
      matchedAlias: '$17.50',
    });
  });

  it('matches a numeric gold against any numeric token of the prediction', () => {
    const score = scoreAnswer('It costs $17.50 in total', gold('17.5'));
    expect(score.exact).toBe(false);
    expect(score.substring).toBe(true);
    expect(score.matchedAlias).toBe('17.5');
    expect(scoreAnswer('about 0.5 litres', gold('.5')).substring).toBe(true);
    expect(scoreAnswer('population 2,161,000 in 2020', gold('2161000')).substring).toBe(true);
  });

  it('handles gold answers beginning or ending with symbols', () => {
    expect(scoreAnswer('I use C++ daily', gold('C++')).substring).toBe(true);
    expect(scoreAnswer('Located in the U.S. capital', gold('U.S.')).substring).toBe(true);
    expect(scoreAnswer('It is in Washington, D.C. today', gold('Washington, D.C.')).substring).toBe(
      true,
    );
    expect(scoreAnswer('Growth was 12.5% last year', gold('12.5%')).substring).toBe(true);
  });

  it('matches whole tokens only', () => {
    expect(scoreAnswer('it is paris france', gold('paris')).substring).toBe(true);
    expect(scoreAnswer('washington', gold('ash')).substring).toBe(false);
    expect(scoreAnswer('parisian food', gold('paris')).substring).toBe(false);
    expect(scoreAnswer('new york city', gold('york new')).substring).toBe(false);
  });

  it('scores over aliases, preferring an exact alias for matchedAlias', () => {
    const expected = gold('United States of America', ['USA', 'U.S.', 'United States']);
    expect(scoreAnswer('the United States', expected)).toEqual({
      exact: true,
      substring: true,
      correct: true,
      f1: 1,
      matchedAlias: 'United States',
    });
    const viaSubstring = scoreAnswer('He lived in the U.S. for years', expected);
    expect(viaSubstring.exact).toBe(false);
    expect(viaSubstring.substring).toBe(true);
    expect(viaSubstring.matchedAlias).toBe('U.S.');
  });

  it('reports the best F1 across aliases', () => {
    // vs "New York City": [new, york] overlap 2, p=1, r=2/3 -> 0.8; vs "NYC": 0
    const score = scoreAnswer('New York', gold('NYC', ['New York City']));
    expect(score.f1).toBeCloseTo(0.8, 12);
    expect(score.correct).toBe(false);
    expect(score.matchedAlias).toBeNull();
  });

  it('scores an empty or punctuation-only prediction as all false', () => {
    const none = { exact: false, substring: false, correct: false, f1: 0, matchedAlias: null };
    expect(scoreAnswer('', gold('Paris'))).toEqual(none);
    expect(scoreAnswer('   ', gold('Paris'))).toEqual(none);
    expect(scoreAnswer('...', gold('!!!'))).toEqual(none);
  });

  it('ignores gold strings that normalise to nothing', () => {
    expect(scoreAnswer('the', gold('a', ['Paris'])).exact).toBe(false);
    expect(scoreAnswer('paris', gold('the', ['Paris'])).matchedAlias).toBe('Paris');
  });
});

/**
 * The scoring rules as the README states them: one row per rule, with the verdict a careful reader
 * gives. Keep this table and the README's "Scoring rules" table in step.
 */
interface Rule {
  prediction: string;
  gold: string;
  aliases?: string[];
  exact: boolean;
  substring: boolean;
  f1: number;
  why: string;
}

const RULES: Rule[] = [
  // fractions are values, not digit strings
  {
    prediction: '25',
    gold: '2/5',
    exact: false,
    substring: false,
    f1: 0,
    why: 'a fraction is a value (0.4), never its digits with the slash deleted',
  },
  { prediction: '615', gold: '6/15', exact: false, substring: false, f1: 0, why: '6/15 is 0.4' },
  { prediction: '12', gold: '1/2', exact: false, substring: false, f1: 0, why: '1/2 is 0.5' },
  {
    prediction: '0.4',
    gold: '2/5',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a decimal equals the fraction',
  },
  {
    prediction: '0.33',
    gold: '1/3',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a repeating fraction accepts a decimal of 2+ places it rounds to',
  },
  {
    prediction: '0.3',
    gold: '1/3',
    exact: false,
    substring: false,
    f1: 0,
    why: 'one decimal place is too coarse for 1/3',
  },
  // decimals, separators, signs, percentages, scientific forms
  {
    prediction: '1,100',
    gold: '1100',
    exact: true,
    substring: true,
    f1: 1,
    why: 'thousands separators are not digits',
  },
  {
    prediction: '1,100',
    gold: '1.1',
    exact: false,
    substring: false,
    f1: 0,
    why: 'a comma in a group of three is a separator, not a decimal point',
  },
  {
    prediction: '\u22125',
    gold: '-5',
    exact: true,
    substring: true,
    f1: 1,
    why: 'Unicode minus is a minus',
  },
  { prediction: '-5', gold: '5', exact: false, substring: false, f1: 0, why: 'the sign counts' },
  {
    prediction: '50%',
    gold: '50 percent',
    exact: true,
    substring: true,
    f1: 1,
    why: '"%" and "percent" are one unit',
  },
  {
    prediction: '50',
    gold: '50%',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a unit written on one side only does not make numbers differ',
  },
  {
    prediction: '8e14',
    gold: '8 × 10^14',
    exact: true,
    substring: true,
    f1: 1,
    why: 'scientific forms are values',
  },
  {
    prediction: '8*10^14',
    gold: '800,000,000,000,000',
    exact: true,
    substring: true,
    f1: 1,
    why: 'scientific forms are values',
  },
  {
    prediction: '2.5 million',
    gold: '2,500,000',
    exact: true,
    substring: true,
    f1: 1,
    why: 'scale words multiply',
  },
  {
    prediction: '14.29',
    gold: 'about 14.3',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a hedged gold accepts values that round to it at its precision (14.25..14.35)',
  },
  {
    prediction: '14.4',
    gold: 'about 14.3',
    exact: false,
    substring: false,
    f1: 0,
    why: '14.4 does not round to 14.3',
  },
  {
    prediction: '14.29',
    gold: '14.3',
    exact: false,
    substring: false,
    f1: 0,
    why: 'without "about" the gold is exact',
  },
  {
    prediction: '17.51',
    gold: '17.5',
    exact: false,
    substring: false,
    f1: 0,
    why: 'a different amount',
  },
  // names: hyphens and spaces between word parts
  {
    prediction: 'Sputnik-1',
    gold: 'Sputnik 1',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a hyphen between word parts is a space',
  },
  {
    prediction: 'Tim Berners Lee',
    gold: 'Tim Berners-Lee',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a hyphen between word parts is a space',
  },
  // units and symbols
  {
    prediction: '100°C',
    gold: '100 degrees Celsius',
    exact: true,
    substring: true,
    f1: 1,
    why: 'unit alias table: °C = degrees Celsius',
  },
  {
    prediction: '\u221289.2 °C',
    gold: '\u221289.2°C',
    exact: true,
    substring: true,
    f1: 1,
    why: 'space before a unit symbol does not matter',
  },
  {
    prediction: '299,792,458 m/s',
    gold: '299,792,458 meters per second',
    exact: true,
    substring: true,
    f1: 1,
    why: 'unit alias table: m/s = meters per second',
  },
  {
    prediction: '120 km/h',
    gold: '120 kilometres per hour',
    exact: true,
    substring: true,
    f1: 1,
    why: 'unit alias table: km/h',
  },
  {
    prediction: '8,849 m',
    gold: '8849 metres',
    exact: true,
    substring: true,
    f1: 1,
    why: 'unit alias table: m after a number = metres',
  },
  {
    prediction: '17.50 dollars',
    gold: '$17.50',
    exact: true,
    substring: true,
    f1: 1,
    why: 'currency symbol = currency word',
  },
  {
    prediction: '3 hrs',
    gold: '3 hours',
    exact: true,
    substring: true,
    f1: 1,
    why: 'unit alias table: time',
  },
  {
    prediction: '100°F',
    gold: '100°C',
    exact: false,
    substring: false,
    f1: 0.5,
    why: 'different units are different quantities (no conversion)',
  },
  {
    prediction: 'It boils at 100 °C at sea level',
    gold: '100 degrees Celsius',
    exact: false,
    substring: true,
    f1: 0.4,
    why: 'the quantity appears in the sentence',
  },
  // false positives
  {
    prediction: 'Sputnik 2',
    gold: 'Sputnik 1',
    aliases: ['Sputnik'],
    exact: false,
    substring: false,
    f1: 2 / 3,
    why: 'a number right after a matched name makes it another name',
  },
  {
    prediction: 'Apollo 11',
    gold: 'Apollo program',
    aliases: ['Apollo'],
    exact: false,
    substring: false,
    f1: 2 / 3,
    why: 'a number right after a matched name makes it another name',
  },
  {
    prediction: '1961 or 1962',
    gold: '1961',
    exact: false,
    substring: false,
    f1: 0.5,
    why: 'listing alternatives is not an answer',
  },
  {
    prediction: 'either Paris or Lyon',
    gold: 'Paris',
    exact: false,
    substring: false,
    f1: 0.4,
    why: 'listing alternatives is not an answer',
  },
  {
    prediction: 'trick or treat',
    gold: 'trick or treat',
    exact: true,
    substring: true,
    f1: 1,
    why: '"or" that belongs to the gold is no hedge',
  },
  {
    prediction: 'population 2,161,000 in 2020',
    gold: '2161000',
    exact: false,
    substring: true,
    f1: 0.4,
    why: 'other numbers in a sentence are fine; only a number glued to a matched name, or alternatives, conflict',
  },
  {
    prediction: '5,000 people',
    gold: '5',
    exact: false,
    substring: false,
    f1: 0,
    why: 'whole numbers only: 5000 is not 5',
  },
  {
    prediction: '17.50 euros',
    gold: '17.5',
    exact: true,
    substring: true,
    f1: 1,
    why: 'a gold without a unit accepts the number in any unit',
  },
  {
    prediction: 'It costs 17.50 euros',
    gold: '17.5 dollars',
    exact: false,
    substring: false,
    f1: 1 / 3,
    why: 'in a sentence, the unit after the number must be the gold unit',
  },
];

describe('scoring rules (README table)', () => {
  it.each(RULES)(
    '$prediction vs $gold -> exact $exact, substring $substring: $why',
    ({ prediction, gold: answer, aliases = [], exact, substring, f1 }) => {
      const score = scoreAnswer(prediction, gold(answer, aliases));
      expect({ exact: score.exact, substring: score.substring }).toEqual({ exact, substring });
      expect(score.f1).toBeCloseTo(f1, 12);
    },
  );
});

/** The predecessor's public metric tests (LlmForge's Python original), kept as fixtures with their verdicts. */
describe('predecessor metric fixtures', () => {
  it.each([
    ['PARIS', 'paris'],
    ['  Paris  ', 'paris'],
    ['Paris.', 'paris'],
    ['Paris!', 'paris'],
    ['Paris,', 'paris'],
    ['New   York  City', 'new york city'],
    ['', ''],
  ])('normalise %j -> %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it.each([
    ['Paris', 'Paris', 1],
    ['paris', 'Paris', 1],
    ['capital city Paris', 'Paris France', (2 * (1 / 3) * (1 / 2)) / (1 / 3 + 1 / 2)],
    ['hello world', 'goodbye moon', 0],
    ['', 'Paris', 0],
    ['Paris', '', 0],
    ['Paris.', 'Paris', 1],
  ] as const)('F1 %j vs %j = %d', (prediction, goldText, expected) => {
    expect(tokenF1(prediction, goldText)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['Paris', 'Paris', true],
    ['paris', 'Paris', true],
    ['  Paris  ', 'Paris', true],
    ['Paris.', 'Paris', true],
    ['London', 'Paris', false],
  ] as const)('exact %j vs %j = %s', (prediction, goldText, expected) => {
    expect(scoreAnswer(prediction, gold(goldText)).exact).toBe(expected);
  });

  it.each([
    ['Paris', 'Paris', true],
    ['The answer is Paris', 'Paris', true],
    ['the answer is paris', 'Paris', true],
    ['London', 'Paris', false],
    ['comparison', 'paris', false],
  ] as const)('substring %j vs %j = %s', (prediction, goldText, expected) => {
    expect(scoreAnswer(prediction, gold(goldText)).substring).toBe(expected);
  });

  it('aliases: exact alias, substring alias, best F1, no match', () => {
    const leonardo = ['Leonardo da Vinci', 'Da Vinci', 'Leonardo'] as const;
    const exact = scoreAnswer('Da Vinci', gold(leonardo[0], leonardo.slice(1)));
    expect([exact.exact, exact.matchedAlias]).toEqual([true, 'Da Vinci']);
    const sub = scoreAnswer(
      'I think it was painted by Leonardo da Vinci',
      gold('Leonardo da Vinci', ['Da Vinci']),
    );
    expect([sub.substring, sub.matchedAlias]).toEqual([true, 'Leonardo da Vinci']);
    expect(scoreAnswer('Leonardo', gold('Leonardo da Vinci', ['Leonardo'])).f1).toBe(1);
    const none = scoreAnswer('Raphael', gold('Leonardo da Vinci', ['Leonardo']));
    expect([none.exact, none.substring, none.f1 < 1]).toEqual([false, false, true]);
  });
});
