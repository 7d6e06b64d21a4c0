import type { BootstrapResult, Interval, McNemarResult } from '../engine/metrics/significance.ts';
import {
  compareExperiments,
  COMPARE_DEFAULTS,
  type ExperimentComparison,
  type PairOutcome,
  type PairSide,
  type SamplePair,
  type SideSummary,
} from '../experiments/compare.ts';
import type { Page } from '../experiments/experiment-service.ts';
import {
  compareMany,
  validateComparedIds,
  type ComparedExperiment,
  type MatrixCell,
  type MatrixRow,
  type MultiComparison,
  type PairwiseTest,
} from '../experiments/compare-many.ts';
import type { Distribution } from '../engine/metrics/stats.ts';
import { ValidationError } from '../errors.ts';
import { FAILURE_MODES } from '../engine/graders/failure-mode.ts';
import { builder } from './builder.ts';
import { FailureModeCountRef } from './grader.ts';
import { ExperimentRef } from './experiment.ts';
import { PageInfo } from './pagination.ts';

const PAIR_OUTCOMES = [
  'BOTH_CORRECT',
  'ONLY_A',
  'ONLY_B',
  'BOTH_WRONG',
] as const satisfies readonly PairOutcome[];
const MAX_PAIR_PAGE = 1000;

const PairOutcomeEnum = builder.enumType('PairOutcome', {
  description: 'Which of the two experiments got an example right',
  values: PAIR_OUTCOMES,
});

const McNemarMethodEnum = builder.enumType('McNemarMethod', {
  description:
    'EXACT_BINOMIAL when fewer than 25 discordant pairs, else CHI_SQUARE_CC (chi-square, 1 df, continuity-corrected)',
  values: ['EXACT_BINOMIAL', 'CHI_SQUARE_CC'] as const,
});

const ComparisonSideRef = builder.objectRef<SideSummary>('ComparisonSide').implement({
  fields: (t) => ({
    experiment: t.field({ type: ExperimentRef, resolve: (s) => s.experiment }),
    attempt: t.exposeInt('attempt', { description: 'The attempt compared' }),
    accuracy: t.exposeFloat('accuracy', {
      description: 'Over the samples in common; a failed sample counts as wrong',
    }),
    f1Mean: t.exposeFloat('f1Mean'),
    correct: t.exposeInt('correct'),
    unpaired: t.exposeInt('unpaired', {
      description: 'Samples of this side whose example the other side did not run',
    }),
    failureModes: t.field({
      type: [FailureModeCountRef],
      description:
        'Wrong or failed samples in common by how they went wrong (samples stored before failure modes existed count in none)',
      resolve: (s) => FAILURE_MODES.map((mode) => ({ mode, count: s.failureModes[mode] })),
    }),
  }),
});

const OutcomeCountsRef = builder
  .objectRef<Record<PairOutcome, number>>('PairOutcomeCounts')
  .implement({
    fields: (t) => ({
      bothCorrect: t.int({ resolve: (o) => o.BOTH_CORRECT }),
      onlyA: t.int({ description: 'McNemar b', resolve: (o) => o.ONLY_A }),
      onlyB: t.int({ description: 'McNemar c', resolve: (o) => o.ONLY_B }),
      bothWrong: t.int({ resolve: (o) => o.BOTH_WRONG }),
    }),
  });

const McNemarRef = builder.objectRef<McNemarResult & { alpha: number }>('McNemarTest').implement({
  description:
    "McNemar's test on paired correctness: do A and B differ more than chance on the examples where they disagree?",
  fields: (t) => ({
    onlyA: t.exposeInt('onlyA'),
    onlyB: t.exposeInt('onlyB'),
    method: t.field({ type: McNemarMethodEnum, resolve: (m) => m.method }),
    statistic: t.exposeFloat('statistic', {
      nullable: true,
      description: '(|b − c| − 1)² / (b + c) for CHI_SQUARE_CC; null for the exact test',
    }),
    pValue: t.exposeFloat('pValue', { description: 'Two-sided' }),
    significant: t.boolean({
      description: 'pValue < 1 − confidenceLevel',
      resolve: (m) => m.pValue < m.alpha,
    }),
  }),
});

export const IntervalRef = builder.objectRef<Interval>('ConfidenceInterval').implement({
  fields: (t) => ({
    estimate: t.exposeFloat('estimate', { description: 'The value on the actual samples' }),
    lower: t.exposeFloat('lower'),
    upper: t.exposeFloat('upper'),
  }),
});

const BootstrapRef = builder
  .objectRef<BootstrapResult & { requestedResamples: number }>('BootstrapIntervals')
  .implement({
    description:
      'Paired bootstrap percentile intervals (seeded, so reproducible). Differences are B − A.',
    fields: (t) => ({
      resamples: t.exposeInt('resamples', {
        description: 'Drawn; fewer than requested when samples × resamples would exceed 20 million',
      }),
      requestedResamples: t.exposeInt('requestedResamples'),
      seed: t.exposeInt('seed'),
      confidenceLevel: t.exposeFloat('confidenceLevel'),
      accuracyA: t.field({ type: IntervalRef, resolve: (b) => b.accuracyA }),
      accuracyB: t.field({ type: IntervalRef, resolve: (b) => b.accuracyB }),
      accuracyDifference: t.field({ type: IntervalRef, resolve: (b) => b.accuracyDifference }),
      f1A: t.field({ type: IntervalRef, resolve: (b) => b.f1A }),
      f1B: t.field({ type: IntervalRef, resolve: (b) => b.f1B }),
      f1Difference: t.field({ type: IntervalRef, resolve: (b) => b.f1Difference }),
    }),
  });

const PairSideRef = builder.objectRef<PairSide>('PairSide').implement({
  fields: (t) => ({
    sampleIndex: t.exposeInt('sampleIndex'),
    parsedAnswer: t.exposeString('parsedAnswer', { nullable: true }),
    correct: t.exposeBoolean('correct'),
    f1: t.exposeFloat('f1'),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const SamplePairRef = builder.objectRef<SamplePair>('SamplePair').implement({
  description: 'One example both experiments ran',
  fields: (t) => ({
    exampleId: t.exposeString('exampleId'),
    question: t.exposeString('question'),
    expectedAnswer: t.exposeString('expectedAnswer'),
    outcome: t.field({ type: PairOutcomeEnum, resolve: (p) => p.outcome }),
    a: t.field({ type: PairSideRef, resolve: (p) => p.a }),
    b: t.field({ type: PairSideRef, resolve: (p) => p.b }),
    f1Difference: t.float({ description: 'B − A', resolve: (p) => p.b.f1 - p.a.f1 }),
  }),
});

const SamplePairConnection = builder.objectRef<Page<SamplePair>>('SamplePairConnection').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount'),
    nodes: t.field({ type: [SamplePairRef], resolve: (page) => page.nodes }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});

const LatencyRef = builder.objectRef<Distribution>('ComparedLatency').implement({
  description: 'Milliseconds per sample, over the examples every experiment ran',
  fields: (t) => ({
    mean: t.exposeFloat('mean'),
    p50: t.exposeFloat('p50'),
    p95: t.exposeFloat('p95'),
    p99: t.exposeFloat('p99'),
  }),
});

const ComparedExperimentRef = builder
  .objectRef<ComparedExperiment>('ComparedExperiment')
  .implement({
    description:
      'One line of the comparison table, over the examples every compared experiment ran',
    fields: (t) => ({
      experiment: t.field({ type: ExperimentRef, resolve: (c) => c.experiment }),
      attempt: t.exposeInt('attempt'),
      samples: t.exposeInt('samples'),
      correct: t.exposeInt('correct'),
      accuracy: t.field({
        type: IntervalRef,
        description: 'With its Wilson score interval at the confidence level',
        resolve: (c) => c.accuracy,
      }),
      f1Mean: t.exposeFloat('f1Mean'),
      latency: t.field({ type: LatencyRef, resolve: (c) => c.latency }),
      tokensInput: t.exposeInt('tokensInput'),
      tokensOutput: t.exposeInt('tokensOutput'),
      estimatedCostUsd: t.exposeFloat('estimatedCostUsd', {
        nullable: true,
        description: "From the experiment's pricing; null without one",
      }),
    }),
  });

const PairwiseTestRef = builder
  .objectRef<PairwiseTest & { alpha: number }>('PairwiseTest')
  .implement({
    description:
      "McNemar's test of one pair of experiments (indexes into `experiments`), corrected for all pairs by Holm–Bonferroni",
    fields: (t) => ({
      a: t.exposeInt('a', { description: 'Index of the first experiment, from 0' }),
      b: t.exposeInt('b', { description: 'Index of the second experiment' }),
      onlyA: t.int({ resolve: (p) => p.mcNemar.onlyA }),
      onlyB: t.int({ resolve: (p) => p.mcNemar.onlyB }),
      method: t.field({ type: McNemarMethodEnum, resolve: (p) => p.mcNemar.method }),
      pValue: t.float({ description: 'Uncorrected, two-sided', resolve: (p) => p.mcNemar.pValue }),
      adjustedPValue: t.exposeFloat('adjustedPValue', {
        description: 'Holm–Bonferroni adjusted over all pairs',
      }),
      significant: t.exposeBoolean('significant', {
        description: 'adjustedPValue < 1 − confidenceLevel',
      }),
    }),
  });

const MatrixCellRef = builder.objectRef<MatrixCell>('ComparisonCell').implement({
  fields: (t) => ({
    correct: t.exposeBoolean('correct'),
    f1: t.exposeFloat('f1'),
    parsedAnswer: t.exposeString('parsedAnswer', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const MatrixRowRef = builder.objectRef<MatrixRow>('ComparisonRow').implement({
  description:
    'One example across all compared experiments; `cells` follow the order of `experiments`',
  fields: (t) => ({
    exampleId: t.exposeString('exampleId'),
    question: t.exposeString('question'),
    expectedAnswer: t.exposeString('expectedAnswer'),
    disagree: t.exposeBoolean('disagree', {
      description: 'Some experiments got it right and others wrong',
    }),
    cells: t.field({ type: [MatrixCellRef], resolve: (r) => r.cells }),
  }),
});

const MatrixConnection = builder.objectRef<Page<MatrixRow>>('ComparisonRowConnection').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount'),
    nodes: t.field({ type: [MatrixRowRef], resolve: (page) => page.nodes }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});

type FullComparison = ExperimentComparison & { many: MultiComparison };

const ComparisonRef = builder.objectRef<FullComparison>('ExperimentComparison').implement({
  description:
    '2..10 experiments on the examples all of them ran: a table per experiment, every pair tested with Holm–Bonferroni ' +
    'correction, the per-example matrix. `a`, `b` and the fields about them compare the first two (differences are B − A).',
  fields: (t) => ({
    experiments: t.field({ type: [ComparedExperimentRef], resolve: (c) => c.many.experiments }),
    pairwise: t.field({
      type: [PairwiseTestRef],
      description: 'Every pair (a < b), in order',
      resolve: (c) => c.many.pairwise.map((p) => ({ ...p, alpha: 1 - c.many.confidenceLevel })),
    }),
    samplesInCommonAll: t.int({
      description: 'Examples every compared experiment ran',
      resolve: (c) => c.many.samplesInCommon,
    }),
    matrix: t.field({
      type: MatrixConnection,
      description: 'Per-example results of all experiments, in the sample order of the first',
      args: {
        first: t.arg.int({ defaultValue: 50, description: `1..${MAX_PAIR_PAGE}` }),
        after: t.arg.string(),
        disagreeOnly: t.arg.boolean({
          defaultValue: false,
          description: 'Only examples on which the experiments disagree',
        }),
      },
      resolve: (c, args) =>
        page(
          args.disagreeOnly ? c.many.matrix.filter((row) => row.disagree) : c.many.matrix,
          args.first ?? 50,
          args.after ?? null,
        ),
    }),
    datasetName: t.exposeString('datasetName'),
    datasetHash: t.exposeString('datasetHash'),
    samplesInCommon: t.exposeInt('samplesInCommon'),
    a: t.field({ type: ComparisonSideRef, resolve: (c) => c.a }),
    b: t.field({ type: ComparisonSideRef, resolve: (c) => c.b }),
    accuracyDifference: t.float({ resolve: (c) => c.b.accuracy - c.a.accuracy }),
    f1Difference: t.float({ resolve: (c) => c.b.f1Mean - c.a.f1Mean }),
    outcomes: t.field({ type: OutcomeCountsRef, resolve: (c) => c.outcomes }),
    mcNemar: t.field({
      type: McNemarRef,
      resolve: (c) => ({ ...c.mcNemar, alpha: 1 - c.bootstrap.confidenceLevel }),
    }),
    bootstrap: t.field({ type: BootstrapRef, resolve: (c) => c.bootstrap }),
    differences: t.field({
      type: SamplePairConnection,
      description: 'Per-example results side by side, in the sample order of A',
      args: {
        first: t.arg.int({ defaultValue: 50, description: `1..${MAX_PAIR_PAGE}` }),
        after: t.arg.string(),
        outcome: t.arg({ type: PairOutcomeEnum, description: 'Only pairs with this outcome' }),
      },
      resolve: (c, args) =>
        pairPage(c.pairs, args.first ?? 50, args.after ?? null, args.outcome ?? null),
    }),
  }),
});

builder.queryFields((t) => ({
  compareExperiments: t.field({
    type: ComparisonRef,
    description:
      'Compares `ids` (2..10 experiments), or `a` and `b`, on the examples all of them ran; BAD_USER_INPUT when they ran on ' +
      'different content (compared by content hash, not dataset name)',
    args: {
      ids: t.arg.idList({ description: '2..10 experiments (or give a and b)' }),
      a: t.arg.id(),
      b: t.arg.id(),
      attemptA: t.arg.int({ description: 'Default: the latest attempt' }),
      attemptB: t.arg.int({ description: 'Default: the latest attempt' }),
      resamples: t.arg.int({
        description: `Bootstrap resamples, 100..10000; default ${COMPARE_DEFAULTS.resamples}`,
      }),
      seed: t.arg.int({ description: `Bootstrap seed; default ${COMPARE_DEFAULTS.seed}` }),
      confidenceLevel: t.arg.float({
        description: `0.5..0.999; default ${COMPARE_DEFAULTS.confidenceLevel}`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      const ids = comparedIds(args);
      const pair = await compareExperiments(ctx.em, {
        ...args,
        a: ids[0] as string,
        b: ids[1] as string,
      });
      const attempts = ids.length === 2 ? [args.attemptA, args.attemptB] : [];
      const many = await compareMany(ctx.em, ids, pair.bootstrap.confidenceLevel, attempts);
      return { ...pair, many };
    },
  }),
}));

function comparedIds(args: {
  ids?: readonly (string | number)[] | null;
  a?: string | number | null;
  b?: string | number | null;
  attemptA?: number | null;
  attemptB?: number | null;
}): string[] {
  if (args.ids != null) {
    if (args.a != null || args.b != null)
      throw new ValidationError('ids', 'give either ids or a and b, not both');
    const ids = args.ids.map(String);
    validateComparedIds(ids);
    if (ids.length > 2 && (args.attemptA != null || args.attemptB != null)) {
      throw new ValidationError(
        'attemptA',
        'attempts can be chosen only when comparing two experiments; with more, the latest are compared',
      );
    }
    return ids;
  }
  if (args.a == null || args.b == null)
    throw new ValidationError('ids', 'give ids (2..10 experiments), or a and b');
  return [String(args.a), String(args.b)];
}

function page<T>(items: readonly T[], first: number, after: string | null): Page<T> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAIR_PAGE) {
    throw new ValidationError('first', `must be between 1 and ${MAX_PAIR_PAGE}`);
  }
  const start = after === null ? 0 : decodeOffset(after) + 1;
  const nodes = items.slice(start, start + first);
  return {
    nodes,
    totalCount: items.length,
    hasNextPage: start + first < items.length,
    endCursor:
      nodes.length === 0
        ? null
        : Buffer.from(String(start + nodes.length - 1)).toString('base64url'),
  };
}

function pairPage(
  pairs: readonly SamplePair[],
  first: number,
  after: string | null,
  outcome: PairOutcome | null,
): Page<SamplePair> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAIR_PAGE) {
    throw new ValidationError('first', `must be between 1 and ${MAX_PAIR_PAGE}`);
  }
  const selected = outcome ? pairs.filter((pair) => pair.outcome === outcome) : pairs;
  const start = after === null ? 0 : decodeOffset(after) + 1;
  const nodes = selected.slice(start, start + first);
  const hasNextPage = start + first < selected.length;
  return {
    nodes,
    totalCount: selected.length,
    hasNextPage,
    endCursor:
      nodes.length === 0
        ? null
        : Buffer.from(String(start + nodes.length - 1)).toString('base64url'),
  };
}

function decodeOffset(cursor: string): number {
  const offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0)
    throw new ValidationError('after', 'is not a cursor returned by this API');
  return offset;
}
