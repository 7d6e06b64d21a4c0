import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useSharedQueries, type QueryExecution } from '../../server/http/shared-queries.ts';

/**
 * A real yoga server with the plugin and a resolver that waits until the test lets it go, so that
 * requests overlap exactly when the test says they do.
 */
function server() {
  const calls = { figure: 0, bump: 0 };
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  const executions: QueryExecution[] = [];
  const watchers: (() => void)[] = [];
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { figure(of: Int!): Int! }
        type Mutation { bump: Int! }
      `,
      resolvers: {
        Query: {
          figure: async (_root: unknown, { of }: { of: number }) => {
            calls.figure += 1;
            const call = calls.figure;
            await gate;
            return of * 10 + call;
          },
        },
        Mutation: {
          bump: async () => {
            calls.bump += 1;
            for (const watcher of watchers.splice(0)) watcher();
            await gate;
            return calls.bump;
          },
        },
      },
    }),
    plugins: [
      useSharedQueries((kind) => {
        executions.push(kind);
        for (const watcher of watchers.splice(0)) watcher();
      }),
    ],
  });
  const post = (query: string, variables: Record<string, unknown> = {}) =>
    Promise.resolve(
      yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      }),
    ).then((response) => response.json() as Promise<{ data?: Record<string, number> }>);
  return {
    calls,
    executions,
    post,
    /** Resolves once `count` query executions (own or shared) have begun. */
    async executionsBegun(count: number) {
      while (executions.length < count)
        await new Promise<void>((resolve) => watchers.push(resolve));
    },
    /** Resolves once the mutation's resolver has been entered `count` times. */
    async bumpsBegun(count: number) {
      while (calls.bump < count) await new Promise<void>((resolve) => watchers.push(resolve));
    },
    open() {
      release();
      gate = new Promise<void>((resolve) => (release = resolve));
    },
  };
}

const FIGURE = 'query ($of: Int!) { figure(of: $of) }';

describe('identical queries in flight share one execution', () => {
  it('should give queries that overlap with an identical one its result, and run different variables on their own', async () => {
    const s = server();
    const same = [s.post(FIGURE, { of: 1 }), s.post(FIGURE, { of: 1 }), s.post(FIGURE, { of: 1 })];
    const other = s.post(FIGURE, { of: 2 });
    await s.executionsBegun(4);
    s.open();
    expect(await Promise.all(same)).toEqual([
      { data: { figure: 11 } },
      { data: { figure: 11 } },
      { data: { figure: 11 } },
    ]);
    expect(await other).toEqual({ data: { figure: 22 } });
    expect(s.calls.figure).toBe(2);
    expect([...s.executions].sort()).toEqual(['own', 'own', 'shared', 'shared']);
  });

  it('should keep nothing once the execution ends: the next identical query executes again', async () => {
    const s = server();
    const first = s.post(FIGURE, { of: 3 });
    await s.executionsBegun(1);
    s.open();
    expect(await first).toEqual({ data: { figure: 31 } });
    const second = s.post(FIGURE, { of: 3 });
    await s.executionsBegun(2);
    s.open();
    expect(await second).toEqual({ data: { figure: 32 } });
    expect(s.executions).toEqual(['own', 'own']);
  });

  it('should never share a mutation', async () => {
    const s = server();
    const bumps = [s.post('mutation { bump }'), s.post('mutation { bump }')];
    await s.bumpsBegun(2);
    s.open();
    expect(await Promise.all(bumps)).toEqual([{ data: { bump: 2 } }, { data: { bump: 2 } }]);
    expect(s.calls.bump).toBe(2);
    expect(s.executions).toEqual([]);
  });
});
