import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../graphql-env.d.ts';

/**
 * `graphql()` types every operation from schema.graphql (through the generated graphql-env.d.ts):
 * results and variables are inferred, never written by hand. Fragments are not masked, so a
 * fragment's fields are simply part of the result that spreads it.
 */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  disableMasking: true;
  scalars: { DateTime: string; JSON: unknown; File: File };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
