import {
  TERMINAL_STATUSES,
  type ExperimentChange,
  type ExperimentEvent,
  type ExperimentEventBody,
} from '../events/event-bus.ts';
import { execute, Kind, print, visit, type DocumentNode, type GraphQLResolveInfo } from 'graphql';
import { maskError } from 'graphql-yoga';
import {
  batchedStream,
  experimentEventStream,
  type EventBatch,
  type StreamItem,
  type StreamOverflow,
} from '../events/event-stream.ts';
import type { FollowOptions, Selection } from '../events/fan-out.ts';
import {
  DEFAULTS,
  describeRange,
  inRange,
  LIMITS,
  rangeMessage,
} from '../engine/experiment-config.ts';
import type { Context } from './context.ts';
import { profileStream } from '../events/profile-stream.ts';
import { emptyProfile } from '../engine/optimization-profile.ts';
import { ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { FailureModeEnum, GraderResultRef } from './grader.ts';
import { ExperimentStatusEnum } from './enums.ts';
import { ExperimentRef } from './experiment.ts';
import { ProfileRef } from './profile.ts';
import { PhaseTiming } from './sample.ts';

type Delivered<T extends ExperimentEventBody['type']> = ExperimentEvent & { type: T } & Extract<
    ExperimentEventBody,
    { type: T }
  >;

const ExperimentEventRef = builder.interfaceRef<StreamItem>('ExperimentEvent').implement({
  description:
    'One event of an experiment stream. `seq` grows by one per event of the experiment, from 1.',
  resolveType: (event) => event.type,
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    experimentId: t.exposeID('experimentId'),
    attempt: t.exposeInt('attempt'),
    at: t.exposeString('at', { description: 'ISO-8601 time the event was published' }),
  }),
});

builder.objectRef<Delivered<'SampleCompleted'>>('SampleCompleted').implement({
  description: 'A sample finished (scored, or failed with its error).',
  interfaces: [ExperimentEventRef],
  fields: (t) => ({
    sampleIndex: t.int({ resolve: (e) => e.sample.sampleIndex }),
    exampleId: t.string({ resolve: (e) => e.sample.exampleId }),
    parsedAnswer: t.string({ nullable: true, resolve: (e) => e.sample.parsedAnswer }),
    expectedAnswer: t.string({ resolve: (e) => e.sample.expectedAnswer }),
    correct: t.boolean({ resolve: (e) => e.sample.score.correct }),
    exactMatch: t.boolean({ resolve: (e) => e.sample.score.exact }),
    f1: t.float({ resolve: (e) => e.sample.score.f1 }),
    latencyMs: t.float({ resolve: (e) => e.sample.latencyMs }),
    timings: t.field({
      type: [PhaseTiming],
      description: 'Milliseconds per phase; empty when profiling is off',
      resolve: (e) =>
        Object.entries(e.sample.timings ?? {}).map(([phase, ms]) => ({ phase, ms: ms as number })),
    }),
    cacheHit: t.boolean({ resolve: (e) => e.sample.cacheHit }),
    cacheTier: t.string({ nullable: true, resolve: (e) => e.sample.cacheTier }),
    tokensInput: t.int({ resolve: (e) => e.sample.tokensInput }),
    tokensOutput: t.int({ resolve: (e) => e.sample.tokensOutput }),
    retries: t.int({ resolve: (e) => e.sample.retries }),
    error: t.string({ nullable: true, resolve: (e) => e.sample.error }),
    grades: t.field({
      type: [GraderResultRef],
      nullable: true,
      resolve: (e) => e.sample.grades ?? null,
    }),
    failureMode: t.field({
      type: FailureModeEnum,
      nullable: true,
      resolve: (e) => e.sample.failureMode ?? null,
    }),
  }),
});

builder.objectRef<Delivered<'ExperimentProgress'>>('ExperimentProgress').implement({
  description:
    'Progress of the current attempt (at most one per LLMFORGE_PROGRESS_INTERVAL_MS, and a last one at the end).',
  interfaces: [ExperimentEventRef],
  fields: (t) => ({
    done: t.exposeInt('done'),
    total: t.exposeInt('total'),
    failed: t.exposeInt('failed'),
    hitRate: t.exposeFloat('hitRate', { description: 'Cache hits ÷ samples done' }),
    throughput: t.exposeFloat('throughput', {
      description: 'Samples per second of wall time so far',
    }),
  }),
});

builder.objectRef<Delivered<'ExperimentStatusChanged'>>('ExperimentStatusChanged').implement({
  interfaces: [ExperimentEventRef],
  fields: (t) => ({
    status: t.field({ type: ExperimentStatusEnum, resolve: (e) => e.status }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

builder.objectRef<Delivered<'AgentStepCompleted'>>('AgentStepCompleted').implement({
  description:
    'One finished step of a REACT agent, as it happens (the whole trace is stored with the sample).',
  interfaces: [ExperimentEventRef],
  fields: (t) => ({
    sampleIndex: t.int({ resolve: (e) => e.sampleIndex }),
    iteration: t.int({ resolve: (e) => e.step.iteration }),
    thought: t.string({ resolve: (e) => e.step.thought }),
    action: t.string({ nullable: true, resolve: (e) => e.step.action }),
    input: t.string({ nullable: true, resolve: (e) => e.step.input }),
    observation: t.string({ nullable: true, resolve: (e) => e.step.observation }),
    toolError: t.boolean({ resolve: (e) => e.step.toolError }),
    answer: t.string({ nullable: true, resolve: (e) => e.step.answer }),
    cached: t.boolean({ resolve: (e) => e.step.cached }),
    ms: t.float({ resolve: (e) => e.step.ms }),
  }),
});

builder.objectRef<StreamOverflow>('StreamOverflow').implement({
  description:
    'This subscriber fell too far behind and its stream ends here. `seq` is the last event it received: subscribe again with `after: seq` to continue without a gap.',
  interfaces: [ExperimentEventRef],
  fields: (t) => ({ message: t.exposeString('message') }),
});

const ExperimentEventBatchRef = builder.objectRef<EventBatch>('ExperimentEventBatch').implement({
  description:
    'Events of one experiment delivered together, in seq order; the seq continues from one batch to the next with no gap.',
  fields: (t) => ({
    events: t.field({ type: [ExperimentEventRef], resolve: (batch) => batch.events }),
  }),
});

const ChangeKindEnum = builder.enumType('ExperimentChangeKind', {
  values: ['CREATED', 'STATUS_CHANGED', 'DELETED'] as const,
});

const ExperimentChangeRef = builder.objectRef<ExperimentChange>('ExperimentChange').implement({
  fields: (t) => ({
    experimentId: t.exposeID('experimentId'),
    change: t.field({ type: ChangeKindEnum, resolve: (c) => c.change }),
    status: t.field({ type: ExperimentStatusEnum, nullable: true, resolve: (c) => c.status }),
    at: t.exposeString('at'),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'The experiment as it is now; null once deleted',
      // A fresh fork per event: a long-lived subscription must not read through a stale identity map.
      resolve: (c, _args, ctx) => ctx.experiments.get(ctx.em.fork(), c.experimentId),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  experimentEvents: t.field({
    type: ExperimentEventRef,
    description:
      'What the engine does for one experiment. With `after`, every stored event with a larger seq comes first (after: 0 replays everything), then live ones, with no gap and no duplicate; without it, live events only. Ends after the terminal status event of the current attempt.',
    args: {
      experimentId: t.arg.id({ required: true }),
      after: t.arg.int({ description: 'Replay stored events with a larger seq first' }),
    },
    subscribe: async (_root, { experimentId, after }, ctx, info) => {
      const options = await followOptions(ctx, String(experimentId), after, 0);
      if (ctx.live) return ctx.fanOut.follow(ctx.live, selectionOf(info, ctx, false), options);
      return experimentEventStream(ctx.bus, ctx.eventStore, options);
    },
    resolve: (event) => event,
  }),
  experimentEventBatches: t.field({
    type: ExperimentEventBatchRef,
    description: `The events of experimentEvents (same \`after\`, same order, same end, same StreamOverflow as the last event), gathered into batches: a batch opens with an event and goes out \`maxDelayMs\` later with every event that came meanwhile. For dashboards of fast runs: one frame per batch instead of one per event.`,
    args: {
      experimentId: t.arg.id({ required: true }),
      after: t.arg.int({ description: 'Replay stored events with a larger seq first' }),
      maxDelayMs: t.arg.int({
        description: `Longest wait between an event and the frame carrying it, ${describeRange(LIMITS.eventBatchDelayMs)} ms; default ${DEFAULTS.eventBatchDelayMs}`,
      }),
    },
    subscribe: async (_root, { experimentId, after, maxDelayMs }, ctx, info) => {
      const delay = maxDelayMs ?? DEFAULTS.eventBatchDelayMs;
      if (!inRange(delay, LIMITS.eventBatchDelayMs))
        throw new ValidationError('maxDelayMs', rangeMessage(LIMITS.eventBatchDelayMs));
      const options = await followOptions(ctx, String(experimentId), after, delay);
      if (ctx.live) return ctx.fanOut.follow(ctx.live, selectionOf(info, ctx, true), options);
      return batchedStream(experimentEventStream(ctx.bus, ctx.eventStore, options), delay);
    },
    resolve: (batch) => batch,
  }),
  experimentProfile: t.field({
    type: ProfileRef,
    description:
      'The live optimization profile, pushed as it changes (throttled), ending with the final profile.',
    args: { experimentId: t.arg.id({ required: true }) },
    subscribe: async (_root, { experimentId }, ctx) => {
      const experiment = await ctx.experiments.getOrFail(ctx.em, String(experimentId));
      return profileStream(ctx.bus, {
        experimentId: experiment.id,
        ended: TERMINAL_STATUSES.has(experiment.status),
        intervalMs: ctx.subscriptions.profileIntervalMs,
        current: async () => {
          const em = ctx.em.fork();
          const fresh = await ctx.experiments.getOrFail(em, experiment.id);
          return (await ctx.experiments.profile(em, fresh)) ?? emptyProfile(fresh.config);
        },
      });
    },
    resolve: (profile) => profile,
  }),
  experimentsChanged: t.field({
    type: ExperimentChangeRef,
    description: 'Any experiment created, deleted or changing status (for dashboards).',
    subscribe: (_root, _args, ctx) => ctx.bus.changes(),
    resolve: (change) => change,
  }),
}));

async function followOptions(
  ctx: Context,
  experimentId: string,
  after: number | null | undefined,
  batchDelayMs: number,
): Promise<FollowOptions> {
  const experiment = await ctx.experiments.getOrFail(ctx.em, experimentId);
  if (after != null && after < 0) throw new ValidationError('after', 'must be 0 or more');
  return {
    experimentId: experiment.id,
    after: after ?? ctx.bus.lastSeqOf(experiment.id),
    status: experiment.status,
    currentAttempt: experiment.currentAttempt,
    bufferSize: ctx.subscriptions.bufferSize,
    maxBufferedBytes: ctx.subscriptions.maxBufferedBytes,
    batchDelayMs,
  };
}

/**
 * The subscriber's selection set as something the fan-out can share: subscribers whose document,
 * operation name and variables match (the replay cursor `after` aside, when it is only a variable
 * of the root field) get the same payloads, so the selection runs once per event for all of them.
 * The root field's resolver returns its root value, so executing the operation with the event (or
 * the batch) as root value is exactly what a per-subscriber subscription would produce.
 */
function selectionOf(info: GraphQLResolveInfo, ctx: Context, batched: boolean): Selection {
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [info.operation, ...Object.values(info.fragments)],
  };
  const shared: Record<string, unknown> = { ...info.variableValues };
  const after = info.fieldNodes[0]?.arguments?.find((arg) => arg.name.value === 'after')?.value;
  if (after?.kind === Kind.VARIABLE) {
    let uses = 0;
    const visitor = {
      enter(node: { kind: string; name?: { value: string } }) {
        if (node.kind === Kind.VARIABLE && node.name?.value === after.name.value) uses++;
      },
    };
    visit(info.operation.selectionSet, visitor);
    for (const fragment of Object.values(info.fragments)) visit(fragment, visitor);
    if (uses === 1) delete shared[after.name.value];
  }
  const operationName = info.operation.name?.value ?? null;
  return {
    key: JSON.stringify([print(document), operationName, shared]),
    render(items) {
      const result = execute({
        schema: info.schema,
        document,
        rootValue: batched ? { events: items } : items[0],
        contextValue: ctx,
        variableValues: info.variableValues,
        operationName,
      });
      if (result instanceof Promise)
        throw new Error(
          'an event selection resolved asynchronously; event fields must be synchronous',
        );
      // As yoga would mask them (event fields never fail; nothing internal may leak if one does).
      const errors = result.errors?.map((error) => maskError(error, 'Unexpected error.'));
      return JSON.stringify(errors ? { ...result, errors } : result);
    },
  };
}
