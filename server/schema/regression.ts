import {
  checkRegression,
  pinBaseline,
  REGRESSION_DEFAULTS,
  type ChangedSample,
  type RegressionReport,
  type RegressionRule,
} from '../experiments/regression.ts';
import type { ManifestChange } from '../experiments/run-manifest.ts';
import { ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { AttemptRef, ExperimentRef } from './experiment.ts';
import { FailureModeEnum } from './grader.ts';

const VerdictEnum = builder.enumType('RegressionVerdict', {
  description:
    'PASSED: no rule violated. FAILED: a rule violated. INCONCLUSIVE: too few samples in common to judge',
  values: ['PASSED', 'FAILED', 'INCONCLUSIVE'] as const,
});

const RuleRef = builder.objectRef<RegressionRule>('RegressionRule').implement({
  fields: (t) => ({
    rule: t.exposeString('rule', {
      description: 'overlap, accuracyDelta, f1Delta or mcNemarPValue',
    }),
    threshold: t.exposeFloat('threshold'),
    actual: t.exposeFloat('actual'),
    passed: t.exposeBoolean('passed'),
  }),
});

const ChangedSampleRef = builder.objectRef<ChangedSample>('ChangedSample').implement({
  description: 'An example the two runs judged differently',
  fields: (t) => ({
    exampleId: t.exposeString('exampleId'),
    question: t.exposeString('question'),
    expectedAnswer: t.exposeString('expectedAnswer'),
    baselineAnswer: t.exposeString('baselineAnswer', { nullable: true }),
    candidateAnswer: t.exposeString('candidateAnswer', { nullable: true }),
    failureMode: t.field({
      type: FailureModeEnum,
      nullable: true,
      description: 'How the losing side went wrong',
      resolve: (s) => s.failureMode,
    }),
  }),
});

const ChangedSamplePage = builder
  .objectRef<{ totalCount: number; nodes: ChangedSample[] }>('ChangedSamplePage')
  .implement({
    fields: (t) => ({
      totalCount: t.exposeInt('totalCount'),
      nodes: t.field({ type: [ChangedSampleRef], resolve: (p) => p.nodes }),
    }),
  });

const ManifestChangeRef = builder.objectRef<ManifestChange>('ManifestChange').implement({
  description: 'One difference between the baseline’s and the candidate’s run manifests',
  fields: (t) => ({
    path: t.exposeString('path', {
      description:
        'e.g. config.prompt.version, config.hyperparameters.temperature, config.modelName',
    }),
    baseline: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.baseline }),
    candidate: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.candidate }),
  }),
});

const RunRef = builder
  .objectRef<RegressionReport['baseline'] | RegressionReport['candidate']>('RegressionRun')
  .implement({
    fields: (t) => ({
      experimentId: t.exposeID('experimentId'),
      attempt: t.exposeInt('attempt'),
      manifestHash: t.exposeString('manifestHash', { nullable: true }),
      how: t.string({
        nullable: true,
        description: 'Baseline only: GIVEN, PINNED or LATEST',
        resolve: (r) => ('how' in r ? r.how : null),
      }),
    }),
  });

const DeltaRef = builder
  .objectRef<{ baseline: number; candidate: number; delta: number }>('RegressionDelta')
  .implement({
    fields: (t) => ({
      baseline: t.exposeFloat('baseline'),
      candidate: t.exposeFloat('candidate'),
      delta: t.exposeFloat('delta'),
    }),
  });

const FailureModeDeltaRef = builder
  .objectRef<RegressionReport['failureModes'][number]>('FailureModeDelta')
  .implement({
    fields: (t) => ({
      mode: t.field({ type: FailureModeEnum, resolve: (m) => m.mode }),
      baseline: t.exposeInt('baseline'),
      candidate: t.exposeInt('candidate'),
    }),
  });

export const RegressionReportRef = builder
  .objectRef<RegressionReport>('RegressionReport')
  .implement({
    description: 'A candidate run checked against a baseline',
    fields: (t) => ({
      verdict: t.field({ type: VerdictEnum, resolve: (r) => r.verdict }),
      candidate: t.field({ type: RunRef, resolve: (r) => r.candidate }),
      baseline: t.field({ type: RunRef, resolve: (r) => r.baseline }),
      rules: t.field({ type: [RuleRef], resolve: (r) => r.rules }),
      violations: t.exposeStringList('violations'),
      samplesInCommon: t.exposeInt('samplesInCommon'),
      overlap: t.exposeFloat('overlap', {
        description: 'Share of the candidate’s samples the baseline also ran',
      }),
      accuracy: t.field({ type: DeltaRef, resolve: (r) => r.accuracy }),
      f1: t.field({ type: DeltaRef, resolve: (r) => r.f1 }),
      mcNemarPValue: t.exposeFloat('mcNemarPValue'),
      regressions: t.field({
        type: ChangedSamplePage,
        description: 'Baseline right, candidate wrong',
        args: { first: t.arg.int({ defaultValue: 20 }), offset: t.arg.int({ defaultValue: 0 }) },
        resolve: (r, args) => page(r.regressions, args),
      }),
      improvements: t.field({
        type: ChangedSamplePage,
        description: 'Baseline wrong, candidate right',
        args: { first: t.arg.int({ defaultValue: 20 }), offset: t.arg.int({ defaultValue: 0 }) },
        resolve: (r, args) => page(r.improvements, args),
      }),
      failureModes: t.field({ type: [FailureModeDeltaRef], resolve: (r) => r.failureModes }),
      manifestDiff: t.field({ type: [ManifestChangeRef], resolve: (r) => r.manifestDiff }),
      checkedAt: t.exposeString('checkedAt'),
    }),
  });

function page(
  items: ChangedSample[],
  { first, offset }: { first?: number | null; offset?: number | null },
) {
  const size = first ?? 20;
  const start = offset ?? 0;
  if (!Number.isInteger(size) || size < 0 || size > 1000)
    throw new ValidationError('first', 'must be 0..1000');
  if (!Number.isInteger(start) || start < 0) throw new ValidationError('offset', 'must be ≥ 0');
  return { totalCount: items.length, nodes: items.slice(start, start + size) };
}

const ThresholdsInput = builder.inputType('RegressionThresholdsInput', {
  fields: (t) => ({
    minAccuracyDelta: t.float({
      description: `Candidate − baseline accuracy must be ≥ this; default ${REGRESSION_DEFAULTS.minAccuracyDelta}`,
    }),
    minF1Delta: t.float({
      description: `Candidate − baseline mean F1 must be ≥ this; default ${REGRESSION_DEFAULTS.minF1Delta}`,
    }),
    minOverlap: t.float({
      description: `Share of the candidate’s samples the baseline also ran; below it: INCONCLUSIVE; default ${REGRESSION_DEFAULTS.minOverlap}`,
    }),
    maxMcNemarPValue: t.float({
      description:
        'Optional: fail a candidate that lost more samples than it gained when McNemar’s p-value is below this',
    }),
  }),
});

const CheckRegressionInput = builder.inputType('CheckRegressionInput', {
  fields: (t) => ({
    candidate: t.id({ required: true }),
    baseline: t.id({
      description:
        'Default: the pinned baseline of the candidate’s lineage (same dataset content, method, prompt name), else the latest other completed run of it',
    }),
    thresholds: t.field({ type: ThresholdsInput }),
  }),
});

builder.mutationFields((t) => ({
  checkRegression: t.field({
    type: RegressionReportRef,
    description:
      'Compares a candidate’s latest completed run with a baseline and stores the report with the candidate. Never compares a run with itself.',
    args: { input: t.arg({ type: CheckRegressionInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      checkRegression(ctx.em, {
        candidate: String(input.candidate),
        baseline: input.baseline == null ? null : String(input.baseline),
        thresholds: input.thresholds,
      }),
  }),
  pinBaseline: t.field({
    type: ExperimentRef,
    description:
      'Makes this experiment’s latest completed run the baseline of its lineage (same dataset content, method and prompt name)',
    args: { experimentId: t.arg.id({ required: true }) },
    resolve: (_root, { experimentId }, ctx) => pinBaseline(ctx.em, String(experimentId)),
  }),
}));

builder.objectField(AttemptRef, 'regression', (t) =>
  t.field({
    type: RegressionReportRef,
    nullable: true,
    description: 'The last regression check of this attempt as a candidate',
    resolve: async (a, _args, ctx) => {
      await ctx.em.populate(a, ['regression']);
      return a.regression;
    },
  }),
);
