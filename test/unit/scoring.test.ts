import { describe, expect, it } from 'vitest';
import { normalizeAnswer, parseNumber, scoreAnswer, tokenF1 } from '../../server/engine/metrics/scoring.ts';

describe('normalizeAnswer', () => {
  it.each([
    ['The Eiffel Tower', 'eiffel tower'],
    ['  An   apple a  DAY ', 'apple day'],
    ['Theory of the Atom', 'theory of atom'],
    ["Hello, world! (really?)", 'hello world really'],
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
    ['$17.50', '17.5'],
    ['17.50', '17.5'],
    ['17.5', '17.5'],
    ['14.3', '14.3'],
    ['14.30', '14.3'],
    ['14.0', '14'],
    ['50%', '50'],
    ['The total is $17.50.', 'total is 17.5'],
    ['-5 degrees', '-5 degrees'],
    ['covid-19', 'covid19'],
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
    expect(tokenF1('$2,161,000', '2161000')).toBe(1);
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
      f1: 0.5, // [total, is, 17.5] vs [17.5]: precision 1/3, recall 1
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
    expect(scoreAnswer('It is in Washington, D.C. today', gold('Washington, D.C.')).substring).toBe(true);
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
