import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { MeanInterval } from '../engine/metrics/model-graded.ts';
import { builder } from './builder.ts';
import { GradingMetricsRef } from './grader.ts';

export const MeanIntervalRef = builder.objectRef<MeanInterval>('MeanInterval').implement({
  description:
    'A mean over the samples that have a value, with its 95 % confidence interval (normal approximation, clipped to 0..1)',
  fields: (t) => ({
    mean: t.exposeFloat('mean'),
    ciLow: t.exposeFloat('ciLow'),
    ciHigh: t.exposeFloat('ciHigh'),
    n: t.exposeInt('n', { description: 'Samples with a value' }),
  }),
});

export const MetricsRef = builder.objectRef<ExperimentMetrics>('ExperimentMetrics').implement({
  description:
    'Quality, latency, tokens and cost of one attempt. Accuracies are fractions of all samples: a failed sample counts as wrong.',
  fields: (t) => ({
    samples: t.exposeInt('samples'),
    failed: t.exposeInt('failed'),
    accuracyExact: t.exposeFloat('accuracyExact', {
      description: 'Exact match after SQuAD-style normalisation, numbers compared as numbers',
    }),
    accuracySubstring: t.exposeFloat('accuracySubstring', {
      description: 'The gold answer (or an alias) occurs in the prediction',
    }),
    accuracyAny: t.exposeFloat('accuracyAny', {
      description: 'Exact or substring: the headline accuracy',
    }),
    f1Mean: t.exposeFloat('f1Mean'),
    latencyMean: t.exposeFloat('latencyMean', {
      description: 'Milliseconds per sample (samples that did not fail)',
    }),
    latencyP50: t.exposeFloat('latencyP50'),
    latencyP95: t.exposeFloat('latencyP95'),
    latencyP99: t.exposeFloat('latencyP99'),
    throughput: t.exposeFloat('throughput', {
      description: 'Samples per second of wall-clock time',
    }),
    tokensInput: t.exposeInt('tokensInput'),
    tokensOutput: t.exposeInt('tokensOutput'),
    estimatedCostUsd: t.exposeFloat('estimatedCostUsd', {
      nullable: true,
      description: 'Null unless config.pricing is set',
    }),
    grading: t.field({
      type: GradingMetricsRef,
      nullable: true,
      description:
        'Pass rate per grader, weighted score and failure modes; null for attempts stored before graders existed',
      resolve: (m) => m.grading ?? null,
    }),
    semanticSimilarity: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description:
        'Mean semantic similarity of answer and gold; null unless config.metrics.semanticSimilarity is set (or no sample has a value)',
      resolve: (m) => m.semanticSimilarity ?? null,
    }),
    faithfulness: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description:
        'Mean share of the answers’ claims supported by the retrieved passages; null unless config.metrics.faithfulness is set (or no sample has a value)',
      resolve: (m) => m.faithfulness ?? null,
    }),
    hallucinationRate: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description:
        'Share of samples with at least one claim the passages do not support (per sample, not per claim); with faithfulness',
      resolve: (m) => m.hallucinationRate ?? null,
    }),
    contextRelevance: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description:
        'Mean share of retrieved passages judged relevant to the question; null unless config.metrics.contextRelevance is set',
      resolve: (m) => m.contextRelevance ?? null,
    }),
    judge: t.field({
      type: MeanIntervalRef,
      nullable: true,
      description:
        'Mean LLM-judge score mapped to 0..1; null unless config.metrics.judge is set (or no sample has a value)',
      resolve: (m) => m.judge ?? null,
    }),
  }),
});
