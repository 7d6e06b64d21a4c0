import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { FAST, create, run, errorCode } from '../helpers/experiments.ts';

describe('the experiments query', () => {
  let t: TestApp;
  const ids: string[] = [];
  const EXPERIMENTS = [
    {
      name: 'e1',
      config: { reasoningMethod: 'NAIVE', modelName: 'meta-llama/Llama-3.2-1B-Instruct' },
    },
    { name: 'e2', config: { reasoningMethod: 'COT', modelName: 'Qwen/Qwen2.5-7B-Instruct' } },
    {
      name: 'e3',
      config: { reasoningMethod: 'NAIVE', modelName: 'meta-llama/Llama-3.1-8B-Instruct' },
    },
    {
      name: 'e4',
      config: { reasoningMethod: 'COT', modelName: 'meta-llama/Llama-3.2-3B-Instruct' },
    },
    {
      name: 'e5',
      config: { reasoningMethod: 'REACT', modelName: 'mistralai/Mistral-7B-Instruct' },
    },
  ];

  beforeAll(async () => {
    t = await createTestApp();
    for (const { name, config } of EXPERIMENTS) {
      ids.push(
        await create(t, name, { ...config, datasetName: 'sample', numSamples: 2, provider: FAST }),
      );
    }
    expect((await run(t, ids[0]!)).errors).toBeUndefined();
    expect(await t.waitForEnd(ids[0]!)).toBe('COMPLETED');
  });
  afterAll(() => t.dispose());

  async function list(args: string) {
    const result = await t.gql(
      `query { experiments${args ? `(${args})` : ''} { totalCount nodes { id name } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.experiments;
  }
  const names = (page: { nodes: { name: string }[] }) => page.nodes.map((n) => n.name);

  it('should list experiments newest first', async () => {
    const page = await list('');
    expect(page.totalCount).toBe(5);
    expect(names(page)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(page.nodes.map((n: { id: string }) => n.id)).toEqual([...ids].reverse());
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it('should filter by status', async () => {
    const completed = await list('status: COMPLETED');
    expect(completed.totalCount).toBe(1);
    expect(names(completed)).toEqual(['e1']);
    const pending = await list('status: PENDING');
    expect(pending.totalCount).toBe(4);
    expect(names(pending)).toEqual(['e5', 'e4', 'e3', 'e2']);
    expect((await list('status: RUNNING')).totalCount).toBe(0);
  });

  it('should filter by method', async () => {
    const cot = await list('method: COT');
    expect(cot.totalCount).toBe(2);
    expect(names(cot)).toEqual(['e4', 'e2']);
    expect(names(await list('method: NAIVE'))).toEqual(['e3', 'e1']);
    expect((await list('method: RAG')).totalCount).toBe(0);
  });

  it('should filter by a case-insensitive substring of the model name', async () => {
    const llama32 = await list('model: "LLAMA-3.2"');
    expect(llama32.totalCount).toBe(2);
    expect(names(llama32)).toEqual(['e4', 'e1']);
    expect(names(await list('model: "qwen"'))).toEqual(['e2']);
    expect(names(await list('model: "instruct"'))).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect((await list('model: "gpt"')).totalCount).toBe(0);
  });

  it('should treat % and _ in the model filter as literal characters', async () => {
    expect((await list('model: "%"')).totalCount).toBe(0);
    expect((await list('model: "_"')).totalCount).toBe(0);
    expect((await list('model: "Llama_3"')).totalCount).toBe(0);
  });

  it('should combine filters', async () => {
    const page = await list('method: NAIVE, model: "3.2", status: COMPLETED');
    expect(page.totalCount).toBe(1);
    expect(names(page)).toEqual(['e1']);
  });

  it('should page through every experiment with cursors without duplicates or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const pages: { names: string[]; hasNextPage: boolean; totalCount: number }[] = [];
    do {
      const page = await list(`first: 2${after ? `, after: "${after}"` : ''}`);
      pages.push({
        names: names(page),
        hasNextPage: page.pageInfo.hasNextPage,
        totalCount: page.totalCount,
      });
      seen.push(...names(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toEqual([
      { names: ['e5', 'e4'], hasNextPage: true, totalCount: 5 },
      { names: ['e3', 'e2'], hasNextPage: true, totalCount: 5 },
      { names: ['e1'], hasNextPage: false, totalCount: 5 },
    ]);
    expect(seen).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
  });

  it('should page within a filter', async () => {
    const first = await list('method: COT, first: 1');
    expect(names(first)).toEqual(['e4']);
    expect(first.totalCount).toBe(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list(`method: COT, first: 1, after: "${first.pageInfo.endCursor}"`);
    expect(names(second)).toEqual(['e2']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    ['first: 0', 'first'],
    ['first: 101', 'first'],
    ['first: -1', 'first'],
    ['after: "garbage"', 'after'],
    [`after: "${Buffer.from('[]').toString('base64url')}"`, 'after'],
  ])('should refuse %s with BAD_USER_INPUT', async (args, field) => {
    const result = await t.gql(`query { experiments(${args}) { totalCount } }`);
    expect(result.data).toBeNull();
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions?.field).toBe(field);
  });

  it('should accept first 100', async () => {
    const page = await list('first: 100');
    expect(page.nodes).toHaveLength(5);
  });
});
