import { expect } from 'vitest';
import type { GraphQLResponse, TestApp } from './test-app.ts';

/** Shared steps of the API tests on experiments: each runs through GraphQL and checks it got no error where one is not expected. */
export const FAST = { kind: 'SIMULATED', latencyMs: 0 };

export async function create(
  t: TestApp,
  name: string,
  config: Record<string, unknown>,
): Promise<string> {
  const result = await t.gql(
    `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id status } }`,
    { input: { name, config } },
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.createExperiment.status).toBe('PENDING');
  return result.data!.createExperiment.id;
}

export function run(t: TestApp, id: string) {
  return t.gql(`mutation ($id: ID!) { runExperiment(id: $id) { id status currentAttempt } }`, {
    id,
  });
}

export function cancel(t: TestApp, id: string) {
  return t.gql(
    `mutation ($id: ID!) { cancelExperiment(id: $id) { id status progress { done total failed } } }`,
    { id },
  );
}

export function remove(t: TestApp, id: string) {
  return t.gql(`mutation ($id: ID!) { deleteExperiment(id: $id) }`, { id });
}

export async function read(t: TestApp, id: string, fields: string) {
  const result = await t.gql(`query ($id: ID!) { experiment(id: $id) { ${fields} } }`, { id });
  expect(result.errors).toBeUndefined();
  return result.data!.experiment;
}

export function errorCode(result: GraphQLResponse): unknown {
  expect(result.errors).toHaveLength(1);
  return result.errors![0]!.extensions?.code;
}

export async function count(t: TestApp, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await t.app.orm.em.fork().getConnection().execute<{ n: number }[]>(sql, params);
  return Number(rows[0]?.n);
}

export function attemptCount(t: TestApp, id: string) {
  return count(t, 'select count(*) as n from attempts where experiment_id = ?', [id]);
}

export function sampleRowCount(t: TestApp, id: string) {
  return count(
    t,
    'select count(*) as n from sample_results where attempt_id in (select id from attempts where experiment_id = ?)',
    [id],
  );
}
