import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './experiment-config.ts';
import './metrics.ts';
import './profile.ts';
import './pagination.ts';
import './sample.ts';
import './trace.ts';
import './experiment.ts';
import './events.ts';
import './dataset.ts';
import './knowledge-base.ts';
import './dataset-generation.ts';
import './prompt.ts';
import './regression.ts';
import './judge-run.ts';
import './comparison.ts';
import './provider.ts';
import './cache.ts';

let schema: GraphQLSchema | null = null;

/** The whole GraphQL schema, sorted so its printed form is stable. Built once per process. */
export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
