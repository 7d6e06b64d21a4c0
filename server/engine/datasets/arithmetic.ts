import type { Example } from '../types.ts';
import { assertIndex, type Dataset } from './dataset.ts';
import { sha256Hex } from '../hashing.ts';

export const ARITHMETIC_DATASET_NAME = 'arithmetic';
export const ARITHMETIC_SIZE = 100_000;
/** Bump whenever the generator changes: it is part of the content hash. */
const GENERATOR_VERSION = 'arithmetic-generator-v1';

/*
 * Item i is built from a bijective scramble j of i (an affine map modulo the size), so
 * neighbouring items look unrelated yet every question can be mapped back to its index.
 * j picks the operation (j mod 3) and two digits u, v of a mixed-radix code for the operands.
 */
const SCRAMBLE_MULTIPLIER = 7919;
const SCRAMBLE_MULTIPLIER_INVERSE = 17679; // 7919 × 17679 ≡ 1 (mod 100 000)
const SCRAMBLE_OFFSET = 12_345;
const OPERAND_RADIX = 200;

type OperatorSymbol = '+' | '-' | '*';

interface Operation {
  symbol: OperatorSymbol;
  apply(a: number, b: number): number;
  operands(u: number, v: number): [number, number];
  /** Inverse of `operands`; the caller checks the round trip. */
  codes(a: number, b: number): [number, number];
}

const OPERATIONS: readonly Operation[] = [
  {
    symbol: '+',
    apply: (a, b) => a + b,
    operands: (u, v) => [100 + 13 * u + (v % 13), 50 + 11 * v + (u % 11)],
    codes: (a, b) => [Math.floor((a - 100) / 13), Math.floor((b - 50) / 11)],
  },
  {
    symbol: '-',
    apply: (a, b) => a - b,
    operands: (u, v) => [1000 + 23 * u + (v % 23), 10 + 5 * v + (u % 5)],
    codes: (a, b) => [Math.floor((a - 1000) / 23), Math.floor((b - 10) / 5)],
  },
  {
    symbol: '*',
    apply: (a, b) => a * b,
    operands: (u, v) => [11 + u, 2 + v],
    codes: (a, b) => [a - 11, b - 2],
  },
];

const QUESTION_PATTERN = /^What is (\d+) ([+*-]) (\d+)\?$/;

/** 100 000 generated arithmetic questions, built on demand by `at(i)` (never materialised). */
export function createArithmeticDataset(): Dataset & {
  indexOfQuestion(question: string): number | undefined;
} {
  return {
    name: ARITHMETIC_DATASET_NAME,
    description:
      'Generated arithmetic: 100 000 deterministic addition, subtraction and multiplication questions with integer answers.',
    source: 'generated',
    kind: 'MATH',
    size: ARITHMETIC_SIZE,
    contentHash: sha256Hex(`${GENERATOR_VERSION}:${ARITHMETIC_SIZE}`),
    at: arithmeticExample,
    indexOfQuestion,
  };
}

function arithmeticExample(index: number): Example {
  assertIndex(index, ARITHMETIC_SIZE, ARITHMETIC_DATASET_NAME);
  const scrambled = (index * SCRAMBLE_MULTIPLIER + SCRAMBLE_OFFSET) % ARITHMETIC_SIZE;
  const operation = OPERATIONS[scrambled % OPERATIONS.length] as Operation;
  const code = Math.floor(scrambled / OPERATIONS.length);
  const [a, b] = operation.operands(code % OPERAND_RADIX, Math.floor(code / OPERAND_RADIX));
  const expression = `${a} ${operation.symbol} ${b}`;
  const result = String(operation.apply(a, b));
  return {
    id: `ar${String(index + 1).padStart(6, '0')}`,
    question: `What is ${expression}?`,
    answer: result,
    aliases: [],
    solution: `The question asks for ${expression}. Working it out, ${expression} = ${result}.`,
    steps: [{ tool: 'calculator', input: expression }],
  };
}

/** The index of a generated question, or undefined when the text is not one of ours. */
function indexOfQuestion(question: string): number | undefined {
  const match = QUESTION_PATTERN.exec(question);
  if (!match) return undefined;
  const [, left, symbol, right] = match;
  const operationIndex = OPERATIONS.findIndex((operation) => operation.symbol === symbol);
  const operation = OPERATIONS[operationIndex];
  if (!operation) return undefined;
  const [u, v] = operation.codes(Number(left), Number(right));
  if (u < 0 || u >= OPERAND_RADIX || v < 0) return undefined;
  const scrambled = operationIndex + OPERATIONS.length * (u + OPERAND_RADIX * v);
  if (scrambled >= ARITHMETIC_SIZE) return undefined;
  const index =
    (((scrambled - SCRAMBLE_OFFSET + ARITHMETIC_SIZE) % ARITHMETIC_SIZE) *
      SCRAMBLE_MULTIPLIER_INVERSE) %
    ARITHMETIC_SIZE;
  return arithmeticExample(index).question === question ? index : undefined;
}
