import { EXPERIMENT_STATUSES } from '../db/entities/experiment.entity.ts';
import { PROVIDER_KINDS, REASONING_METHODS, RETRIEVAL_METHODS } from '../engine/types.ts';
import { builder } from './builder.ts';

export const ExperimentStatusEnum = builder.enumType('ExperimentStatus', {
  description: 'PENDING → QUEUED → RUNNING → COMPLETED | FAILED | CANCELLED',
  values: EXPERIMENT_STATUSES,
});

export const ReasoningMethodEnum = builder.enumType('ReasoningMethod', {
  values: REASONING_METHODS,
});

export const ProviderKindEnum = builder.enumType('ProviderKind', {
  description:
    'SIMULATED is an offline oracle with noise for demos, tests and benchmarks — not a model.',
  values: PROVIDER_KINDS,
});

export const RetrievalMethodEnum = builder.enumType('RetrievalMethod', {
  values: RETRIEVAL_METHODS,
});
