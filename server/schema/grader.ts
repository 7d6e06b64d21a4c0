import { GRADER_KINDS, type GraderConfig } from '../engine/graders/config.ts';
import type { GraderResult } from '../engine/graders/grade.ts';
import { FAILURE_MODES, type FailureMode } from '../engine/graders/failure-mode.ts';
import type { GraderStat, GradingMetrics } from '../engine/graders/summary.ts';
import type { PromptSelection } from '../engine/prompts/prompted-method.ts';
import { builder } from './builder.ts';
import { IntervalRef } from './comparison.ts';

export const GraderKindEnum = builder.enumType('GraderKind', {
  description:
    'EXACT_MATCH / CONTAINS: the answer equals / contains value (default: the gold answer). REGEX: value is a pattern, run under a time budget. ' +
    'JSON_VALID. JSON_EQUALS: equal to value (default: the gold answer) as JSON, key order ignored. JSON_PATH: path exists (and equals value, JSON). ' +
    'NUMERIC: within tolerance of value (default: the gold answer). LLM_RUBRIC: a judge model grades against the rubric in value.',
  values: GRADER_KINDS,
});

export const FailureModeEnum = builder.enumType('FailureMode', {
  description:
    'How a wrong or failed sample went wrong: ERROR (the call failed), UNPARSEABLE (no answer), HEDGE (several candidates), REFUSAL, WRONG',
  values: FAILURE_MODES,
});

export const GraderSettings = builder.objectRef<GraderConfig>('GraderSettings').implement({
  fields: (t) => ({
    kind: t.field({ type: GraderKindEnum, resolve: (g) => g.kind }),
    value: t.exposeString('value', { nullable: true }),
    path: t.exposeString('path', { nullable: true }),
    tolerance: t.exposeFloat('tolerance', { nullable: true }),
    weight: t.exposeFloat('weight'),
  }),
});

export const PromptSettings = builder.objectRef<PromptSelection>('PromptSettings').implement({
  description: 'The stored prompt version an experiment runs with',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeInt('version'),
    template: t.exposeString('template'),
  }),
});

export const GraderResultRef = builder.objectRef<GraderResult>('GraderResult').implement({
  description: 'One grader’s verdict on one sample',
  fields: (t) => ({
    kind: t.field({ type: GraderKindEnum, resolve: (g) => g.kind }),
    pass: t.exposeBoolean('pass'),
    score: t.exposeFloat('score', { description: '0..1' }),
    reason: t.exposeString('reason'),
    error: t.exposeString('error', {
      nullable: true,
      description:
        'Why the grader could not decide (a regex past its budget, a malformed verdict); then pass is false',
    }),
    weight: t.exposeFloat('weight'),
    fromRecord: t.exposeBoolean('fromRecord', {
      description: 'Declared in the record’s metadata.graders rather than config.graders',
    }),
  }),
});

export const GraderInput = builder.inputType('GraderInput', {
  fields: (t) => ({
    kind: t.field({ type: GraderKindEnum, required: true }),
    value: t.string({
      description: 'Compared value, REGEX pattern, JSON_PATH expected JSON, or LLM_RUBRIC rubric',
    }),
    path: t.string({ description: 'JSON_PATH: $.key, $.items[0], $["odd key"]' }),
    tolerance: t.float({ description: 'NUMERIC: largest accepted absolute difference; default 0' }),
    weight: t.float({ description: 'Weight in the weighted score, 0..1000; default 1' }),
  }),
});

export const PromptRefInput = builder.inputType('PromptRefInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    version: t.int({ required: true }),
  }),
});

const GraderStatRef = builder.objectRef<GraderStat>('GraderStat').implement({
  description: 'One grader over an attempt',
  fields: (t) => ({
    key: t.exposeString('key', {
      description:
        '"config[i]" for the i-th of config.graders; "record:<KIND>" pools the records’ own graders of a kind',
    }),
    kind: t.field({ type: GraderKindEnum, resolve: (g) => g.kind }),
    evaluated: t.exposeInt('evaluated'),
    passed: t.exposeInt('passed'),
    errors: t.exposeInt('errors', {
      description: 'Samples the grader could not decide (counted as not passed)',
    }),
    passRate: t.field({
      type: IntervalRef,
      description: 'passed ÷ evaluated with its 95 % Wilson interval',
      resolve: (g) => g.passRate,
    }),
  }),
});

export const FailureModeCountRef = builder
  .objectRef<{ mode: FailureMode; count: number }>('FailureModeCount')
  .implement({
    fields: (t) => ({
      mode: t.field({ type: FailureModeEnum, resolve: (c) => c.mode }),
      count: t.exposeInt('count'),
    }),
  });

export const GradingMetricsRef = builder.objectRef<GradingMetrics>('GradingMetrics').implement({
  fields: (t) => ({
    graders: t.field({ type: [GraderStatRef], resolve: (g) => g.graders }),
    weightedScore: t.field({
      type: IntervalRef,
      nullable: true,
      description:
        'Mean per-sample Σ weight·score ÷ Σ weight, with a 95 % interval; null without graders',
      resolve: (g) => g.weightedScore,
    }),
    failureModes: t.field({
      type: [FailureModeCountRef],
      description: 'Wrong or failed samples by how they went wrong',
      resolve: (g) => FAILURE_MODES.map((mode) => ({ mode, count: g.failureModes[mode] ?? 0 })),
    }),
  }),
});
