import { describe, expect, it } from 'vitest';
import { parseCotAnswer, parseNaiveAnswer } from '../../server/engine/methods/answer-parsing.ts';

describe('parseNaiveAnswer', () => {
  it.each([
    ['Paris', 'Paris'],
    ['  Paris  ', 'Paris'],
    ['Paris.', 'Paris'],
    ['Answer: 42', '42'],
    ['answer:42', '42'],
    ['A: Paris.', 'Paris'],
    ['**Answer:** Rome', 'Rome'],
    ['Answer:\n\nParis', 'Paris'],
    ['Paris\nBecause it is the capital of France.', 'Paris'],
    ['"Paris"', 'Paris'],
    ["'Paris'", 'Paris'],
    ['\u201cTokyo.\u201d', 'Tokyo'],
    ['**Paris**', 'Paris'],
    ['**Paris**.', 'Paris'],
    ['_Rome_', 'Rome'],
    ['`C++`', 'C++'],
    ['"$17.50".', '$17.50'],
  ])('%j -> %j', (input, expected) => {
    expect(parseNaiveAnswer(input)).toBe(expected);
  });

  it.each([
    ['14.3', '14.3'],
    ['14.3.', '14.3'],
    ['$17.50', '$17.50'],
    ['$17.50.', '$17.50'],
    ['2,161,000.', '2,161,000'],
    ['U.S.', 'U.S.'],
    ['the U.S.', 'the U.S.'],
    ['Washington, D.C.', 'Washington, D.C.'],
    ['Martin Luther King Jr.', 'Martin Luther King Jr.'],
    ['St.', 'St.'],
    ['e.g.', 'e.g.'],
    ['No.', 'No'],
    ['C.', 'C'],
  ])('keeps periods that belong to the answer: %j -> %j', (input, expected) => {
    expect(parseNaiveAnswer(input)).toBe(expected);
  });

  it('strips only one trailing period and leaves an ellipsis alone', () => {
    expect(parseNaiveAnswer('Paris...')).toBe('Paris...');
  });

  it('returns an empty string for empty output', () => {
    expect(parseNaiveAnswer('')).toBe('');
    expect(parseNaiveAnswer('  \n ')).toBe('');
    expect(parseNaiveAnswer('Answer:')).toBe('');
  });
});

describe('parseCotAnswer', () => {
  it.each([
    ['Step 1: 10 + 7.5 = 17.5.\nTherefore, the answer is $17.50.', '$17.50'],
    ['Compute 11 * 1.3.\nThe answer is 14.3.', '14.3'],
    ['So the answer is the U.S.', 'the U.S.'],
    ['The capital is on the Potomac.\nFinal answer: Washington, D.C.', 'Washington, D.C.'],
    ['Answer: 42', '42'],
    ['The answer is: 42', '42'],
    ['**Final answer:** 42', '42'],
    ['Final Answer: **Paris**', 'Paris'],
    ['Thus the answer is **$17.50**.', '$17.50'],
    ['The answer is "Rome".', 'Rome'],
    ['The answer is 42;', '42'],
    ['The answer is 42,', '42'],
    ['Final answer:\n$17.50', '$17.50'],
    ['Thus the answer is \\boxed{42}.', '42'],
    ['THE ANSWER IS Jr.', 'Jr.'],
  ])('%j -> %j', (input, expected) => {
    expect(parseCotAnswer(input)).toBe(expected);
  });

  it('uses the last marker when several appear', () => {
    expect(parseCotAnswer('The answer is 3. Wait, let me redo.\nThe answer is 5.')).toBe('5');
    expect(parseCotAnswer('First, the answer: unclear.\nHmm.\nFinal answer: Paris')).toBe('Paris');
  });

  it('takes the marker text only up to the end of its line', () => {
    expect(parseCotAnswer('The answer is 2,161,000.\nThis matches the census.')).toBe('2,161,000');
  });

  it('does not treat "answer isn\'t" as a marker', () => {
    expect(parseCotAnswer("The answer isn't obvious. It is 7.")).toBe('It is 7');
  });

  it('falls back to the last sentence of the last line without a marker', () => {
    expect(parseCotAnswer('Let me think.\nIt is about 14.3 km. It is Paris.')).toBe('It is Paris');
    expect(parseCotAnswer('The total is $17.50. The population is 2,161,000.')).toBe(
      'The population is 2,161,000',
    );
    expect(parseCotAnswer('Roughly 14.3 units')).toBe('Roughly 14.3 units');
    expect(parseCotAnswer('She lives in Washington, D.C.')).toBe('She lives in Washington, D.C.');
  });

  it('never splits sentences inside numbers', () => {
    expect(parseCotAnswer('It costs $17.50 today')).toBe('It costs $17.50 today');
    expect(parseCotAnswer('Value 3.14 Is pi')).toBe('Value 3.14 Is pi');
  });

  it('returns the whole trimmed text or an empty string when nothing else applies', () => {
    expect(parseCotAnswer('  single  ')).toBe('single');
    expect(parseCotAnswer('')).toBe('');
    expect(parseCotAnswer('   \n\n  ')).toBe('');
  });
});
