import type { EntityManager } from '@mikro-orm/knex';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { Experiment } from '../db/entities/experiment.entity.ts';
import {
  holmBonferroni,
  mcNemarTest,
  wilsonInterval,
  type Interval,
  type McNemarResult,
} from '../engine/metrics/significance.ts';
import { summarize, type Distribution } from '../engine/metrics/stats.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

export const COMPARE_MANY_LIMITS = { experiments: { min: 2, max: 10 } } as const;

/** One experiment's line of the comparison table, over the examples every experiment ran. */
export interface ComparedExperiment {
  experiment: Experiment;
  attempt: number;
  samples: number;
  correct: number;
  /** Accuracy with its Wilson score interval at the comparison's confidence level. */
  accuracy: Interval;
  f1Mean: number;
  latency: Distribution;
  tokensInput: number;
  tokensOutput: number;
  /** From the experiment's pricing; null without one. */
  estimatedCostUsd: number | null;
}

/** McNemar's test of one pair, with its Holm–Bonferroni adjusted p-value over all pairs. */
export interface PairwiseTest {
  a: number;
  b: number;
  mcNemar: McNemarResult;
  adjustedPValue: number;
  significant: boolean;
}

export interface MatrixCell {
  correct: boolean;
  f1: number;
  parsedAnswer: string | null;
  error: string | null;
}

/** One example across all experiments, in the order the experiments were given. */
export interface MatrixRow {
  exampleId: string;
  question: string;
  expectedAnswer: string;
  cells: MatrixCell[];
  /** Some experiments got it right and others wrong. */
  disagree: boolean;
}

export interface MultiComparison {
  datasetHash: string;
  samplesInCommon: number;
  confidenceLevel: number;
  experiments: ComparedExperiment[];
  pairwise: PairwiseTest[];
  matrix: MatrixRow[];
}

interface Row {
  example_id: string;
  question: string;
  expected_answer: string;
  parsed_answer: string | null;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  correct: number | boolean;
  f1: number;
  error: string | null;
  latency_ms: number;
  tokens_input: number;
  tokens_output: number;
}

interface Loaded {
  experiment: Experiment;
  attempt: Attempt;
  rows: Map<string, Row>;
  order: string[];
}

/**
 * Compares 2..10 experiments on the examples all of them ran (latest attempts, same dataset content
 * by hash, whatever the dataset's name): a table per experiment, McNemar's test for every pair with
 * Holm–Bonferroni correction, and the per-example matrix.
 */
export async function compareMany(
  em: EntityManager,
  ids: readonly string[],
  confidenceLevel: number,
  attempts: readonly (number | null | undefined)[] = [],
): Promise<MultiComparison> {
  validateComparedIds(ids);
  const sides: Loaded[] = [];
  for (const [index, id] of ids.entries()) sides.push(await load(em, id, attempts[index]));
  const first = sides[0] as Loaded;
  sides.forEach((side, index) => {
    if (side.attempt.datasetHash !== first.attempt.datasetHash) {
      throw new ValidationError(
        'ids',
        `experiment ${index + 1} (${side.experiment.id}, dataset "${side.experiment.datasetName}") ran on different content than experiment 1 ` +
          `("${first.experiment.datasetName}"): only runs on the same content can be compared`,
      );
    }
  });
  const common = first.order.filter((exampleId) => sides.every((side) => side.rows.has(exampleId)));
  const matrix = common.map((exampleId) => matrixRow(exampleId, sides));
  const experiments = sides.map((side, index) => summary(side, matrix, index, confidenceLevel));
  return {
    datasetHash: first.attempt.datasetHash,
    samplesInCommon: common.length,
    confidenceLevel,
    experiments,
    pairwise: pairwiseTests(matrix, sides.length, 1 - confidenceLevel),
    matrix,
  };
}

/** 2..10 distinct experiments; checked before anything is loaded. */
export function validateComparedIds(ids: readonly string[]): void {
  const { min, max } = COMPARE_MANY_LIMITS.experiments;
  if (ids.length < min || ids.length > max)
    throw new ValidationError('ids', `give ${min}..${max} experiments, got ${ids.length}`);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate !== undefined)
    throw new ValidationError('ids', `experiment ${duplicate} is listed twice`);
}

async function load(
  em: EntityManager,
  id: string,
  attemptNumber: number | null | undefined,
): Promise<Loaded> {
  const experiment = await em.findOne(Experiment, { id });
  if (!experiment) throw new NotFoundError('Experiment', id);
  const number = attemptNumber ?? experiment.currentAttempt;
  if (number === 0)
    throw new ValidationError(
      'ids',
      `experiment ${id} has not run yet: there is nothing to compare`,
    );
  const attempt = await em.findOne(Attempt, { experiment: id, number });
  if (!attempt) throw new ValidationError('ids', `experiment ${id} has no attempt ${number}`);
  const rows = await em.getConnection().execute<Row[]>(
    `select example_id, question, expected_answer, parsed_answer, correct, f1, error, latency_ms, tokens_input, tokens_output
       from sample_results where attempt_id = ? order by sample_index`,
    [attempt.id],
  );
  return {
    experiment,
    attempt,
    rows: new Map(rows.map((row) => [row.example_id, row])),
    order: rows.map((row) => row.example_id),
  };
}

function matrixRow(exampleId: string, sides: readonly Loaded[]): MatrixRow {
  const rows = sides.map((side) => side.rows.get(exampleId) as Row);
  const cells = rows.map((row) => ({
    correct: row.correct === 1 || row.correct === true,
    f1: row.f1,
    parsedAnswer: row.parsed_answer,
    error: row.error,
  }));
  const first = rows[0] as Row;
  return {
    exampleId,
    question: first.question,
    expectedAnswer: first.expected_answer,
    cells,
    disagree: new Set(cells.map((cell) => cell.correct)).size > 1,
  };
}

function summary(
  side: Loaded,
  matrix: readonly MatrixRow[],
  index: number,
  confidenceLevel: number,
): ComparedExperiment {
  const rows = matrix.map((row) => side.rows.get(row.exampleId) as Row);
  const correct = matrix.filter((row) => row.cells[index]?.correct).length;
  const tokensInput = rows.reduce((sum, row) => sum + row.tokens_input, 0);
  const tokensOutput = rows.reduce((sum, row) => sum + row.tokens_output, 0);
  const pricing = side.experiment.config.pricing;
  return {
    experiment: side.experiment,
    attempt: side.attempt.number,
    samples: rows.length,
    correct,
    accuracy: wilsonInterval(correct, rows.length, confidenceLevel),
    f1Mean: rows.length === 0 ? 0 : rows.reduce((sum, row) => sum + row.f1, 0) / rows.length,
    latency: summarize(rows.map((row) => row.latency_ms)),
    tokensInput,
    tokensOutput,
    estimatedCostUsd: pricing
      ? (tokensInput * pricing.inputPerMillionTokens +
          tokensOutput * pricing.outputPerMillionTokens) /
        1_000_000
      : null,
  };
}

function pairwiseTests(matrix: readonly MatrixRow[], count: number, alpha: number): PairwiseTest[] {
  const tests: Omit<PairwiseTest, 'adjustedPValue' | 'significant'>[] = [];
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      const onlyA = matrix.filter((row) => row.cells[a]?.correct && !row.cells[b]?.correct).length;
      const onlyB = matrix.filter((row) => !row.cells[a]?.correct && row.cells[b]?.correct).length;
      tests.push({ a, b, mcNemar: mcNemarTest(onlyA, onlyB) });
    }
  }
  const adjusted = holmBonferroni(tests.map((test) => test.mcNemar.pValue));
  return tests.map((test, index) => ({
    ...test,
    adjustedPValue: adjusted[index] as number,
    significant: (adjusted[index] as number) < alpha,
  }));
}
