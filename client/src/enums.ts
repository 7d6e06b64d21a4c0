import type { VariablesOf } from './graphql.ts';
import type { ExperimentsQuery } from './operations/experiments.ts';
import type { CompareQuery } from './operations/compare.ts';

type ListFilters = VariablesOf<typeof ExperimentsQuery>;
export type ExperimentStatusValue = NonNullable<ListFilters['status']>;
export type ReasoningMethodValue = NonNullable<ListFilters['method']>;
export type PairOutcomeValue = NonNullable<VariablesOf<typeof CompareQuery>['outcome']>;

/** The schema's enum values, typed against it, for selects and filters. */
export const STATUSES: readonly ExperimentStatusValue[] = [
  'PENDING',
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
];
export const METHODS: readonly ReasoningMethodValue[] = ['NAIVE', 'COT', 'REACT', 'RAG'];
export const PAIR_OUTCOMES: readonly PairOutcomeValue[] = [
  'ONLY_A',
  'ONLY_B',
  'BOTH_CORRECT',
  'BOTH_WRONG',
];
