import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { statementsDuring } from '../helpers/statements.ts';
import { createTestApp, launch, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

const PAGE = 50;
const LIST = `query ($first: Int!) {
  experiments(first: $first) {
    totalCount
    nodes { id status currentAttempt progress { done total failed } metrics { accuracyAny } profile { totalWallTimeMs } }
  }
}`;

describe('the experiment list', () => {
  let t: TestApp;
  let standin: StandinServer;
  let failing: string;

  beforeAll(async () => {
    t = await createTestApp();
    // A model the server does not have: every sample fails at once with a 404 (not retried).
    standin = await startStandinServer({ oracle: t.app.datasets, models: ['some/model'] });
    failing = await launch(t, 'failing', {
      modelName: 'no-such/model',
      datasetName: 'sample',
      numSamples: 3,
      failureThreshold: 1,
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
    });
    await t.waitForEnd(failing);
    const config = { numSamples: 2, provider: { kind: 'SIMULATED', latencyMs: 0 } };
    // Half ran (an attempt and results each), half never did: both branches of every field are read.
    const ran = await Promise.all(
      Array.from({ length: PAGE / 2 }, (_, i) => launch(t, `ran ${i}`, config)),
    );
    await Promise.all(ran.map((id) => t.waitForEnd(id)));
    for (let i = 0; i < PAGE / 2; i++) {
      const created = await t.gql(
        `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
        {
          input: { name: `pending ${i}`, config },
        },
      );
      expect(created.errors).toBeUndefined();
    }
  });

  afterAll(async () => {
    await standin.close();
    await t.dispose();
  });

  it('should read a page of 50 with progress, metrics and profile in a fixed number of queries', async () => {
    let result: GraphQLResponse = {};
    const queries = await statementsDuring(t, async () => {
      result = await t.gql(LIST, { first: PAGE });
    });
    expect(result.errors).toBeUndefined();
    const nodes = result.data?.experiments.nodes as {
      status: string;
      progress: { done: number; total: number };
    }[];
    expect(nodes).toHaveLength(PAGE);
    // The failing experiment is the oldest, so it is not on this page.
    expect(nodes.filter((n) => n.status === 'COMPLETED').map((n) => n.progress)).toEqual(
      Array.from({ length: PAGE / 2 }, () => ({ done: 2, total: 2, failed: 0 })),
    );
    // the page with its count; the stored figures of the page's current attempts, results counted
    expect(queries).toHaveLength(2);
  });

  it('should count the failed results of an ended attempt', async () => {
    const { data, errors } = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { status progress { done total failed } } }`,
      { id: failing },
    );
    expect(errors).toBeUndefined();
    expect(data?.experiment).toEqual({
      status: 'COMPLETED',
      progress: { done: 3, total: 3, failed: 3 },
    });
  });
});
