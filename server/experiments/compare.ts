import type { EntityManager } from '@mikro-orm/knex';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { Experiment } from '../db/entities/experiment.entity.ts';
import {
  mcNemarTest,
  pairedBootstrap,
  pairedMeans,
  type BootstrapResult,
  type McNemarResult,
  type PairedScore,
} from '../engine/metrics/significance.ts';
import { FAILURE_MODES, type FailureMode } from '../engine/graders/failure-mode.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

export interface CompareRequest {
  a: string;
  b: string;
  /** Attempt numbers; the latest attempt of each experiment by default. */
  attemptA?: number | null;
  attemptB?: number | null;
  resamples?: number | null;
  seed?: number | null;
  confidenceLevel?: number | null;
}

/** How one side did on one shared example. */
export interface PairSide {
  sampleIndex: number;
  parsedAnswer: string | null;
  correct: boolean;
  f1: number;
  error: string | null;
  failureMode: FailureMode | null;
}

export type PairOutcome = 'BOTH_CORRECT' | 'ONLY_A' | 'ONLY_B' | 'BOTH_WRONG';

export interface SamplePair {
  exampleId: string;
  question: string;
  expectedAnswer: string;
  outcome: PairOutcome;
  a: PairSide;
  b: PairSide;
}

export interface SideSummary {
  experiment: Experiment;
  attempt: number;
  /** Over the samples in common (a failed sample counts as wrong). */
  accuracy: number;
  f1Mean: number;
  correct: number;
  /** Samples this side has that the other lacks (e.g. different numSamples or seeds). */
  unpaired: number;
  /** Wrong or failed samples in common, by how they went wrong. */
  failureModes: Record<FailureMode, number>;
}

export interface ExperimentComparison {
  datasetName: string;
  datasetHash: string;
  samplesInCommon: number;
  a: SideSummary;
  b: SideSummary;
  outcomes: Record<PairOutcome, number>;
  mcNemar: McNemarResult;
  bootstrap: BootstrapResult & { requestedResamples: number };
  /** Every shared example, in A's sample order. */
  pairs: SamplePair[];
}

export const COMPARE_DEFAULTS = { resamples: 1000, seed: 42, confidenceLevel: 0.95 } as const;
export const COMPARE_LIMITS = {
  resamples: { min: 100, max: 10_000 },
  confidenceLevel: { min: 0.5, max: 0.999 },
} as const;
/** Resampled pairs per comparison at most: beyond it fewer resamples are drawn, so a query stays well under a second. */
export const BOOTSTRAP_DRAW_BUDGET = 20_000_000;

/**
 * Compares two experiments on the examples both ran (paired by example id, on their latest attempts
 * by default): accuracy and F1 of each, McNemar's test, paired-bootstrap intervals, per-example pairs.
 */
export async function compareExperiments(
  em: EntityManager,
  request: CompareRequest,
): Promise<ExperimentComparison> {
  const options = bootstrapOptions(request);
  const sideA = await loadSide(em, request.a, request.attemptA, 'a', 'attemptA');
  const sideB = await loadSide(em, request.b, request.attemptB, 'b', 'attemptB');
  assertSameDataset(sideA, sideB);
  const pairs = pairSamples(sideA.rows, sideB.rows);
  const scores: PairedScore[] = pairs.map((pair) => ({
    correctA: pair.a.correct,
    correctB: pair.b.correct,
    f1A: pair.a.f1,
    f1B: pair.b.f1,
  }));
  const means = pairedMeans(scores);
  const outcomes = countOutcomes(pairs);
  const resamples = Math.min(
    options.resamples,
    Math.max(
      COMPARE_LIMITS.resamples.min,
      Math.floor(BOOTSTRAP_DRAW_BUDGET / Math.max(1, pairs.length)),
    ),
  );
  return {
    datasetName: sideA.experiment.datasetName,
    datasetHash: sideA.attempt.datasetHash,
    samplesInCommon: pairs.length,
    a: {
      ...summary(
        sideA,
        means.accuracyA,
        means.f1A,
        outcomes.BOTH_CORRECT + outcomes.ONLY_A,
        pairs.length,
      ),
      failureModes: countFailureModes(pairs.map((p) => p.a)),
    },
    b: {
      ...summary(
        sideB,
        means.accuracyB,
        means.f1B,
        outcomes.BOTH_CORRECT + outcomes.ONLY_B,
        pairs.length,
      ),
      failureModes: countFailureModes(pairs.map((p) => p.b)),
    },
    outcomes,
    mcNemar: mcNemarTest(outcomes.ONLY_A, outcomes.ONLY_B),
    bootstrap: {
      ...pairedBootstrap(scores, { ...options, resamples }),
      requestedResamples: options.resamples,
    },
    pairs,
  };
}

interface SampleRow {
  sample_index: number;
  example_id: string;
  question: string;
  expected_answer: string;
  parsed_answer: string | null;
  correct: number | boolean;
  f1: number;
  error: string | null;
  failure_mode: FailureMode | null;
}

interface LoadedSide {
  experiment: Experiment;
  attempt: Attempt;
  rows: SampleRow[];
}

async function loadSide(
  em: EntityManager,
  id: string,
  attemptNumber: number | null | undefined,
  field: string,
  attemptField: string,
): Promise<LoadedSide> {
  const experiment = await em.findOne(Experiment, { id });
  if (!experiment) throw new NotFoundError('Experiment', id);
  const number = attemptNumber ?? experiment.currentAttempt;
  if (number === 0)
    throw new ValidationError(
      field,
      `experiment ${id} has not run yet: there is nothing to compare`,
    );
  const attempt = await em.findOne(Attempt, { experiment: id, number });
  if (!attempt)
    throw new ValidationError(attemptField, `experiment ${id} has no attempt ${number}`);
  const rows = await em.getConnection().execute<SampleRow[]>(
    `select sample_index, example_id, question, expected_answer, parsed_answer, correct, f1, error, failure_mode
       from sample_results where attempt_id = ? order by sample_index`,
    [attempt.id],
  );
  return { experiment, attempt, rows };
}

/** Same content, by hash: one dataset imported under two names compares; two contents under one name do not. */
function assertSameDataset(a: LoadedSide, b: LoadedSide): void {
  const [nameA, nameB] = [a.experiment.datasetName, b.experiment.datasetName];
  if (a.attempt.datasetHash === b.attempt.datasetHash) return;
  const which =
    nameA === nameB
      ? `different contents of dataset "${nameA}"`
      : `different content (dataset "${nameA}" for A, "${nameB}" for B)`;
  throw new ValidationError(
    'b',
    `the two attempts ran on ${which}: only runs on the same content can be compared (hashes differ)`,
  );
}

function pairSamples(rowsA: readonly SampleRow[], rowsB: readonly SampleRow[]): SamplePair[] {
  const byExample = new Map(rowsB.map((row) => [row.example_id, row]));
  const pairs: SamplePair[] = [];
  for (const rowA of rowsA) {
    const rowB = byExample.get(rowA.example_id);
    if (!rowB) continue;
    const a = side(rowA);
    const b = side(rowB);
    pairs.push({
      exampleId: rowA.example_id,
      question: rowA.question,
      expectedAnswer: rowA.expected_answer,
      outcome: outcomeOf(a.correct, b.correct),
      a,
      b,
    });
  }
  return pairs;
}

function side(row: SampleRow): PairSide {
  return {
    sampleIndex: row.sample_index,
    parsedAnswer: row.parsed_answer,
    correct: row.correct === 1 || row.correct === true,
    f1: row.f1,
    error: row.error,
    failureMode: row.failure_mode ?? null,
  };
}

function outcomeOf(correctA: boolean, correctB: boolean): PairOutcome {
  if (correctA) return correctB ? 'BOTH_CORRECT' : 'ONLY_A';
  return correctB ? 'ONLY_B' : 'BOTH_WRONG';
}

function countOutcomes(pairs: readonly SamplePair[]): Record<PairOutcome, number> {
  const counts: Record<PairOutcome, number> = {
    BOTH_CORRECT: 0,
    ONLY_A: 0,
    ONLY_B: 0,
    BOTH_WRONG: 0,
  };
  for (const pair of pairs) counts[pair.outcome] += 1;
  return counts;
}

function countFailureModes(sides: readonly PairSide[]): Record<FailureMode, number> {
  const counts = Object.fromEntries(FAILURE_MODES.map((mode) => [mode, 0])) as Record<
    FailureMode,
    number
  >;
  for (const side of sides) if (side.failureMode) counts[side.failureMode] += 1;
  return counts;
}

function summary(
  loaded: LoadedSide,
  accuracy: number,
  f1Mean: number,
  correct: number,
  paired: number,
): Omit<SideSummary, 'failureModes'> {
  return {
    experiment: loaded.experiment,
    attempt: loaded.attempt.number,
    accuracy,
    f1Mean,
    correct,
    unpaired: loaded.rows.length - paired,
  };
}

function bootstrapOptions(request: CompareRequest): {
  resamples: number;
  seed: number;
  confidenceLevel: number;
} {
  const resamples = request.resamples ?? COMPARE_DEFAULTS.resamples;
  const { min, max } = COMPARE_LIMITS.resamples;
  if (!Number.isInteger(resamples) || resamples < min || resamples > max) {
    throw new ValidationError('resamples', `must be a whole number between ${min} and ${max}`);
  }
  const seed = request.seed ?? COMPARE_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0)
    throw new ValidationError('seed', 'must be a whole number >= 0');
  const confidenceLevel = request.confidenceLevel ?? COMPARE_DEFAULTS.confidenceLevel;
  const level = COMPARE_LIMITS.confidenceLevel;
  if (!(confidenceLevel >= level.min && confidenceLevel <= level.max)) {
    throw new ValidationError('confidenceLevel', `must be between ${level.min} and ${level.max}`);
  }
  return { resamples, seed, confidenceLevel };
}
