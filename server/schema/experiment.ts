import { Attempt } from '../db/entities/attempt.entity.ts';
import { Experiment } from '../db/entities/experiment.entity.ts';
import type { Page, Progress } from '../experiments/experiment-service.ts';
import { builder } from './builder.ts';
import { CreateExperimentInput, ExperimentConfigRef } from './experiment-config.ts';
import { ExperimentStatusEnum, ReasoningMethodEnum } from './enums.ts';
import { MetricsRef } from './metrics.ts';
import { PageInfo } from './pagination.ts';
import { ProfileRef } from './profile.ts';
import { SampleConnection } from './sample.ts';

const ProgressRef = builder.objectRef<Progress>('Progress').implement({
  fields: (t) => ({
    done: t.exposeInt('done', {
      description: 'Samples with a stored result (failed ones included)',
    }),
    total: t.exposeInt('total'),
    failed: t.exposeInt('failed'),
  }),
});

export const AttemptRef = builder.objectType(Attempt, {
  name: 'Attempt',
  description: 'One run of an experiment. Re-running creates a new attempt and keeps this one.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    status: t.field({ type: ExperimentStatusEnum, resolve: (a) => a.status }),
    datasetHash: t.exposeString('datasetHash', {
      description: 'SHA-256 of the dataset content the attempt ran on',
    }),
    totalSamples: t.exposeInt('totalSamples'),
    wallTimeMs: t.exposeFloat('wallTimeMs'),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    metrics: t.field({
      type: MetricsRef,
      nullable: true,
      description: 'Set when the attempt ended',
      resolve: (a) => a.metrics,
    }),
    profile: t.field({
      type: ProfileRef,
      nullable: true,
      description: 'Set when the attempt ended',
      resolve: (a) => a.profile,
    }),
    manifest: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'Everything the attempt depended on: resolved config, dataset and knowledge-base hashes, prompt, graders, provider endpoint (never a key), LlmForge version and commit',
      resolve: (a) => a.manifest,
    }),
    manifestHash: t.exposeString('manifestHash', {
      nullable: true,
      description:
        'SHA-256 of the canonical manifest; null for attempts stored before manifests existed',
    }),
  }),
});

export const ExperimentRef = builder.objectType(Experiment, {
  name: 'Experiment',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    status: t.field({ type: ExperimentStatusEnum, resolve: (e) => e.status }),
    config: t.field({ type: ExperimentConfigRef, resolve: (e) => e.config }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    currentAttempt: t.exposeInt('currentAttempt', {
      description: 'Number of the latest attempt; 0 before the first run',
    }),
    progress: t.field({
      type: ProgressRef,
      resolve: (e, _args, ctx) => ctx.experiments.progress(ctx.em, e),
    }),
    metrics: t.field({
      type: MetricsRef,
      nullable: true,
      description: 'Of the latest attempt: live while it runs, null before the first run',
      resolve: (e, _args, ctx) => ctx.experiments.metrics(ctx.em, e),
    }),
    profile: t.field({
      type: ProfileRef,
      nullable: true,
      description: 'Of the latest attempt: live while it runs, null before the first run',
      resolve: (e, _args, ctx) => ctx.experiments.profile(ctx.em, e),
    }),
    attempts: t.field({
      type: [AttemptRef],
      resolve: (e, _args, ctx) => ctx.experiments.attempts(ctx.em, e),
    }),
    samples: t.field({
      type: SampleConnection,
      description: 'Sample results of one attempt (the latest by default), in sample order',
      args: {
        attempt: t.arg.int(),
        first: t.arg.int({ defaultValue: 50, description: '1..1000' }),
        after: t.arg.string(),
        correct: t.arg.boolean({
          description: 'Only correct (true) or only wrong (false) samples',
        }),
        failed: t.arg.boolean({
          description: 'Only samples whose provider call failed (true), or only the others',
        }),
      },
      resolve: (e, args, ctx) =>
        ctx.experiments.samples(ctx.em, e, { ...args, first: args.first ?? 50 }),
    }),
  }),
});

const ExperimentConnection = builder.objectRef<Page<Experiment>>('ExperimentConnection').implement({
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount'),
    nodes: t.field({ type: [ExperimentRef], resolve: (page) => page.nodes }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
  }),
});

builder.queryFields((t) => ({
  experiment: t.field({
    type: ExperimentRef,
    nullable: true,
    description: 'An experiment by id; an unknown id gives null and a NOT_FOUND error',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.experiments.getOrFail(ctx.em, String(id)),
  }),
  experiments: t.field({
    type: ExperimentConnection,
    description: 'Newest first',
    args: {
      status: t.arg({ type: ExperimentStatusEnum }),
      method: t.arg({ type: ReasoningMethodEnum }),
      model: t.arg.string({ description: 'Case-insensitive substring of the model name' }),
      first: t.arg.int({ defaultValue: 20, description: '1..100' }),
      after: t.arg.string(),
    },
    resolve: (_root, args, ctx) =>
      ctx.experiments.list(
        ctx.em,
        { status: args.status, method: args.method, model: args.model },
        args.first ?? 20,
        args.after ?? null,
      ),
  }),
}));

const API_KEY_DESCRIPTION =
  'HUGGINGFACE / OPENAI_COMPATIBLE: a key for this run only. Held in memory, never stored, logged or returned; a run resumed after a restart falls back to the server environment key for that endpoint, or fails.';

builder.mutationFields((t) => ({
  createExperiment: t.field({
    type: ExperimentRef,
    description:
      'Validates and stores an experiment (status PENDING); nothing is stored when any field is invalid',
    args: { input: t.arg({ type: CreateExperimentInput, required: true }) },
    resolve: (_root, { input }, ctx) => ctx.experiments.create(ctx.em, input),
  }),
  launchExperiment: t.field({
    type: ExperimentRef,
    description: 'createExperiment followed by runExperiment',
    args: {
      input: t.arg({ type: CreateExperimentInput, required: true }),
      apiKey: t.arg.string({ description: API_KEY_DESCRIPTION }),
    },
    resolve: (_root, { input, apiKey }, ctx) => ctx.experiments.launch(ctx.em, input, { apiKey }),
  }),
  runExperiment: t.field({
    type: ExperimentRef,
    description: 'Queues a new attempt; CONFLICT while the experiment is queued or running',
    args: {
      id: t.arg.id({ required: true }),
      apiKey: t.arg.string({ description: API_KEY_DESCRIPTION }),
    },
    resolve: (_root, { id, apiKey }, ctx) => ctx.experiments.run(ctx.em, String(id), { apiKey }),
  }),
  cancelExperiment: t.field({
    type: ExperimentRef,
    description: 'Stops dispatching and aborts calls in flight; finished samples are kept',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.experiments.cancel(ctx.em, String(id)),
  }),
  deleteExperiment: t.boolean({
    description:
      'Deletes the experiment, its attempts and results (cancelling it first if it runs)',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => ctx.experiments.delete(ctx.em, String(id)),
  }),
}));
