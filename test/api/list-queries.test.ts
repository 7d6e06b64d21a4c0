import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  beforeAll(async () => {
    t = await createTestApp();
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

  afterAll(() => t.dispose());

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
    expect(nodes.filter((n) => n.status === 'COMPLETED').map((n) => n.progress)).toEqual(
      Array.from({ length: PAGE / 2 }, () => ({ done: 2, total: 2, failed: 0 })),
    );
    // the page with its count; the stored figures of the page's current attempts, results counted
    expect(queries).toHaveLength(2);
  });
});
