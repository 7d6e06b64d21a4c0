import type { JudgedResult, JudgeRunReport } from '../experiments/judge-run.ts';
import { judgeExperiment } from '../experiments/judge-run.ts';
import { builder } from './builder.ts';
import { AttemptRef } from './experiment.ts';
import { JudgeMetricInput, JudgeSettings } from './experiment-config.ts';
import { MeanIntervalRef } from './metrics.ts';

const JudgedResultRef = builder.objectRef<JudgedResult>('JudgedResult').implement({
  description: 'One result of an attempt as the judge scored it',
  fields: (t) => ({
    sampleIndex: t.exposeInt('sampleIndex'),
    exampleId: t.exposeString('exampleId'),
    question: t.exposeString('question'),
    expectedAnswer: t.exposeString('expectedAnswer'),
    answer: t.exposeString('answer'),
    score: t.exposeFloat('score', {
      nullable: true,
      description: '(rawScore − 1) / (scale − 1); null when the judge failed (see error)',
    }),
    rawScore: t.exposeInt('rawScore', {
      nullable: true,
      description: 'The judge’s 1..scale score',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'Why score is null (e.g. an unparseable reply)',
    }),
    prompt: t.exposeString('prompt', { description: 'The judge’s messages, as JSON text' }),
    reply: t.exposeString('reply', { nullable: true, description: 'The judge’s reply, verbatim' }),
    cacheTier: t.exposeString('cacheTier', {
      nullable: true,
      description:
        'memory, persistent or inflight when the reply came from the cache; null when the provider answered',
    }),
  }),
});

const JudgeRunRef = builder.objectRef<JudgeRunReport>('JudgeRun').implement({
  description: 'An LLM judge run over a seeded random sample of one attempt’s results',
  fields: (t) => ({
    experimentId: t.exposeID('experimentId'),
    attempt: t.exposeInt('attempt'),
    judge: t.field({ type: JudgeSettings, resolve: (r) => r.judge }),
    sampleSize: t.exposeInt('sampleSize', {
      description:
        'Results asked for; fewer are judged when the attempt has fewer without an error',
    }),
    seed: t.exposeInt('seed', { description: 'The seed that picked the results' }),
    samples: t.field({ type: [JudgedResultRef], resolve: (r) => r.samples }),
    aggregate: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description: 'Mean score with its 95 % interval; null when no result got a score',
      resolve: (r) => r.aggregate,
    }),
    apiCalls: t.exposeInt('apiCalls', {
      description: 'Judge calls that reached the provider; 0 when the cache answered every one',
    }),
    cacheHits: t.exposeInt('cacheHits'),
    judgedAt: t.exposeString('judgedAt'),
  }),
});

builder.mutationFields((t) => ({
  judgeExperiment: t.field({
    type: JudgeRunRef,
    description:
      'Scores a seeded random sample of a completed attempt’s results with an LLM judge (rubric, 1..scale mapped to 0..1) and stores the run with the attempt, replacing the previous one. Calls go through the response cache: the same run again makes no provider call. NOT_FOUND: unknown experiment or attempt; CONFLICT: the attempt is not completed; BAD_USER_INPUT: sampleSize, seed or judge out of range (nothing stored).',
    args: {
      id: t.arg.id({ required: true }),
      sampleSize: t.arg.int({ required: true, description: 'Results to judge, 1..1000' }),
      judge: t.arg({ type: JudgeMetricInput, required: true }),
      attempt: t.arg.int({ description: 'Default: the latest attempt' }),
      seed: t.arg.int({ description: 'Picks the results; default: the experiment’s seed' }),
    },
    resolve: (_root, args, ctx) =>
      judgeExperiment(ctx.em, ctx.judging, {
        experimentId: String(args.id),
        sampleSize: args.sampleSize,
        judge: args.judge,
        attempt: args.attempt,
        seed: args.seed,
      }),
  }),
}));

builder.objectField(AttemptRef, 'judgeRun', (t) =>
  t.field({
    type: JudgeRunRef,
    nullable: true,
    description: 'The last judgeExperiment run over this attempt',
    resolve: async (a, _args, ctx) => {
      await ctx.em.populate(a, ['judgeRun']);
      return a.judgeRun;
    },
  }),
);
