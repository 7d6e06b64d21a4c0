import { describe, expect, it } from 'vitest';
import {
  CalculatorError,
  evaluateExpression,
  formatCalculatorResult,
} from '../../server/engine/tools/calculator.ts';

describe('the agent calculator', () => {
  it.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3],
    ['48 / 4 / 2', 6],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['2 ^ -1', 0.5],
    ['(1250 - 375) / 7', 125],
    ['10 % 3', 1],
    ['17% * 2340', 397.8],
    ['50%', 0.5],
    ['200 * 15%', 30],
    ['3.75 * 48', 180],
    ['.5 + 1.25', 1.75],
    ['2,340 * 0.17', 397.8],
    ['$64.80 * 0.18', 11.664],
    ['6 × 7 − 2 ÷ 4', 41.5],
    ['2 ** 10', 1024],
    ['--3', 3],
    ['  ( ( 7 ) )  ', 7],
  ])('should evaluate %s to %d', (expression, expected) => {
    expect(Number(formatCalculatorResult(evaluateExpression(expression)))).toBe(expected);
  });

  it.each([
    ['', 'empty expression'],
    ['   ', 'empty expression'],
    ['1 / 0', 'division by zero'],
    ['5 % 0', 'remainder of a division by zero'],
    ['(1 + 2', 'missing ")" for the "(" at position 1'],
    ['1 + 2)', 'unexpected ")" at position 6'],
    ['2 +', 'the expression ends where a number was expected'],
    ['2 * * 3', 'unexpected "*" at position 5: expected a number or "("'],
    ['3 4', 'unexpected "4" at position 3'],
    ['process.exit(1)', 'unexpected character "p" at position 1'],
    ['2 + x', 'unexpected character "x" at position 5'],
    ['(-8) ^ 0.5', '-8 ^ 0.5 is not a real number'],
    ['10 ^ 400', 'the result is too large to represent'],
  ])('should refuse %j with "%s"', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(new CalculatorError(message));
  });

  it('should refuse expressions nested deeper than 64 levels instead of overflowing the stack', () => {
    expect(() => evaluateExpression(`${'('.repeat(65)}1${')'.repeat(65)}`)).toThrow(
      'nested more than 64 levels',
    );
    expect(evaluateExpression(`${'('.repeat(60)}1${')'.repeat(60)}`)).toBe(1);
  });

  it('should refuse expressions over 500 characters', () => {
    expect(() => evaluateExpression(`${'1+'.repeat(250)}1`)).toThrow('longer than 500 characters');
  });

  it('should format results without floating-point noise and keep large integers exact', () => {
    expect(formatCalculatorResult(0.1 + 0.2)).toBe('0.3');
    expect(formatCalculatorResult(evaluateExpression('2340 * 0.17'))).toBe('397.8');
    expect(formatCalculatorResult(evaluateExpression('2 ^ 50'))).toBe('1125899906842624');
    expect(formatCalculatorResult(evaluateExpression('1 / 3'))).toBe('0.333333333333');
    expect(formatCalculatorResult(-0)).toBe('0');
  });
});
