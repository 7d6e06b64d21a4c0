import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };

const COMPARE = `query ($a: ID!, $b: ID!, $resamples: Int, $seed: Int) {
  compareExperiments(a: $a, b: $b, resamples: $resamples, seed: $seed) {
    datasetName samplesInCommon accuracyDifference f1Difference
    a { attempt accuracy f1Mean correct unpaired experiment { id } }
    b { attempt accuracy f1Mean correct unpaired experiment { id } }
    outcomes { bothCorrect onlyA onlyB bothWrong }
    mcNemar { onlyA onlyB method statistic pValue significant }
    bootstrap { resamples requestedResamples seed confidenceLevel
      accuracyDifference { estimate lower upper } f1Difference { estimate lower upper } accuracyA { estimate lower upper } }
  } }`;

interface Sample {
  exampleId: string;
  correct: boolean;
  f1: number;
}

/** C(n, k) as an exact integer. */
function choose(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

describe('compareExperiments through the GraphQL API', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  const samples: Record<string, Sample[]> = {};

  async function runToEnd(key: string, config: Record<string, unknown>) {
    ids[key] = await launch(t, key, { provider: FAST, ...config });
    expect(await t.waitForEnd(ids[key]!)).toBe('COMPLETED');
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { samples(first: 1000) { nodes { exampleId correct f1 } } } }`,
      { id: ids[key] },
    );
    samples[key] = result.data!.experiment.samples.nodes;
  }

  beforeAll(async () => {
    t = await createTestApp();
    // 20 samples each: few discordant pairs, so McNemar takes the exact binomial route.
    await runToEnd('naive20', {
      datasetName: 'math_reasoning',
      numSamples: 20,
      reasoningMethod: 'NAIVE',
    });
    await runToEnd('cot20', {
      datasetName: 'math_reasoning',
      numSamples: 20,
      reasoningMethod: 'COT',
    });
    // The whole of knowledge_base: enough discordant pairs for chi-square.
    await runToEnd('naiveKb', {
      datasetName: 'knowledge_base',
      numSamples: 1000,
      reasoningMethod: 'NAIVE',
    });
    await runToEnd('ragKb', {
      datasetName: 'knowledge_base',
      numSamples: 1000,
      reasoningMethod: 'RAG',
    });
    await runToEnd('naiveKb30', {
      datasetName: 'knowledge_base',
      numSamples: 30,
      reasoningMethod: 'NAIVE',
      hyperparameters: { seed: 7 },
    });
  });
  afterAll(() => t.dispose());

  /** b, c and the paired accuracies, counted from the two experiments' own sample lists. */
  function byHand(keyA: string, keyB: string) {
    const b = new Map(samples[keyB]!.map((s) => [s.exampleId, s]));
    const paired = samples[keyA]!.filter((s) => b.has(s.exampleId)).map(
      (s) => [s, b.get(s.exampleId)!] as const,
    );
    const onlyA = paired.filter(([x, y]) => x.correct && !y.correct).length;
    const onlyB = paired.filter(([x, y]) => !x.correct && y.correct).length;
    const accuracyA = paired.filter(([x]) => x.correct).length / paired.length;
    const accuracyB = paired.filter(([, y]) => y.correct).length / paired.length;
    const f1A = paired.reduce((sum, [x]) => sum + x.f1, 0) / paired.length;
    const f1B = paired.reduce((sum, [, y]) => sum + y.f1, 0) / paired.length;
    return { n: paired.length, onlyA, onlyB, accuracyA, accuracyB, f1A, f1B };
  }

  it('should pair the samples and give McNemar exact-binomial figures that match a hand computation', async () => {
    const result = await t.gql(COMPARE, { a: ids.naive20, b: ids.cot20 });
    expect(result.errors).toBeUndefined();
    const c = result.data!.compareExperiments;
    const hand = byHand('naive20', 'cot20');
    expect(hand.n).toBe(20);
    expect(hand.onlyA + hand.onlyB).toBeLessThan(25);
    expect(c.samplesInCommon).toBe(20);
    expect(c.datasetName).toBe('math_reasoning');
    expect(c.a).toMatchObject({
      attempt: 1,
      accuracy: hand.accuracyA,
      correct: hand.accuracyA * 20,
      unpaired: 0,
      experiment: { id: ids.naive20 },
    });
    expect(c.b).toMatchObject({
      attempt: 1,
      accuracy: hand.accuracyB,
      correct: hand.accuracyB * 20,
      unpaired: 0,
      experiment: { id: ids.cot20 },
    });
    expect(c.a.f1Mean).toBeCloseTo(hand.f1A, 12);
    expect(c.accuracyDifference).toBeCloseTo(hand.accuracyB - hand.accuracyA, 12);
    expect(
      c.outcomes.onlyA + c.outcomes.onlyB + c.outcomes.bothCorrect + c.outcomes.bothWrong,
    ).toBe(20);
    expect(c.mcNemar).toMatchObject({
      onlyA: hand.onlyA,
      onlyB: hand.onlyB,
      method: 'EXACT_BINOMIAL',
      statistic: null,
    });
    const discordant = hand.onlyA + hand.onlyB;
    let tail = 0;
    for (let i = 0; i <= Math.min(hand.onlyA, hand.onlyB); i++) tail += choose(discordant, i);
    expect(c.mcNemar.pValue).toBeCloseTo(Math.min(1, (2 * tail) / 2 ** discordant), 12);
    expect(c.mcNemar.significant).toBe(c.mcNemar.pValue < 0.05);
  });

  it('should use chi-square with continuity correction from 25 discordant pairs on', async () => {
    const c = (await t.gql(COMPARE, { a: ids.naiveKb, b: ids.ragKb })).data!.compareExperiments;
    const hand = byHand('naiveKb', 'ragKb');
    expect(hand.onlyA + hand.onlyB).toBeGreaterThanOrEqual(25);
    const statistic = (Math.abs(hand.onlyA - hand.onlyB) - 1) ** 2 / (hand.onlyA + hand.onlyB);
    expect(c.mcNemar).toMatchObject({
      onlyA: hand.onlyA,
      onlyB: hand.onlyB,
      method: 'CHI_SQUARE_CC',
    });
    expect(c.mcNemar.statistic).toBeCloseTo(statistic, 12);
    // These runs: b = 4, c = 39 → χ² = 34²/43 = 26.8837…, p = erfc(√(χ²/2)) = 2.1607121265531663e-7 (Python math.erfc).
    expect([hand.onlyA, hand.onlyB]).toEqual([4, 39]);
    expect(c.mcNemar.statistic).toBeCloseTo(1156 / 43, 12);
    expect(Math.abs(c.mcNemar.pValue / 2.1607121265531663e-7 - 1)).toBeLessThan(1e-9);
    expect(c.mcNemar.significant).toBe(true);
    // RAG is better: the whole bootstrap interval of B − A lies above zero and holds the estimate.
    const { accuracyDifference } = c.bootstrap;
    expect(accuracyDifference.estimate).toBeCloseTo(hand.accuracyB - hand.accuracyA, 12);
    expect(accuracyDifference.lower).toBeGreaterThan(0);
    expect(accuracyDifference.lower).toBeLessThan(accuracyDifference.estimate);
    expect(accuracyDifference.upper).toBeGreaterThan(accuracyDifference.estimate);
    expect(c.bootstrap).toMatchObject({
      resamples: 1000,
      requestedResamples: 1000,
      seed: 42,
      confidenceLevel: 0.95,
    });
  });

  it('should give the same intervals for the same seed and other ones for another seed', async () => {
    const run = async (seed: number) =>
      (await t.gql(COMPARE, { a: ids.naiveKb, b: ids.ragKb, seed, resamples: 500 })).data!
        .compareExperiments.bootstrap;
    const first = await run(3);
    expect(await run(3)).toEqual(first);
    expect((await run(4)).f1Difference).not.toEqual(first.f1Difference);
  });

  it('should compare only the samples in common and count the others as unpaired', async () => {
    const c = (await t.gql(COMPARE, { a: ids.naiveKb30, b: ids.ragKb })).data!.compareExperiments;
    expect(c.samplesInCommon).toBe(30);
    expect(c.a.unpaired).toBe(0);
    expect(c.b.unpaired).toBe(78 - 30);
    expect(c.mcNemar.onlyB).toBe(byHand('naiveKb30', 'ragKb').onlyB);
  });

  it('should page through the per-sample differences, filtered by outcome', async () => {
    const query = `query ($a: ID!, $b: ID!, $after: String, $outcome: PairOutcome) { compareExperiments(a: $a, b: $b) {
      outcomes { onlyB }
      differences(first: 7, after: $after, outcome: $outcome) { totalCount pageInfo { hasNextPage endCursor }
        nodes { exampleId outcome f1Difference a { correct parsedAnswer } b { correct parsedAnswer } } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let onlyB = 0;
    for (let page = 0; page < 10; page++) {
      const c: Record<string, any> = (
        await t.gql(query, { a: ids.naiveKb, b: ids.ragKb, after, outcome: 'ONLY_B' })
      ).data!.compareExperiments;
      onlyB = c.outcomes.onlyB;
      expect(c.differences.totalCount).toBe(onlyB);
      for (const node of c.differences.nodes) {
        expect(node).toMatchObject({
          outcome: 'ONLY_B',
          a: { correct: false },
          b: { correct: true },
        });
        seen.push(node.exampleId);
      }
      if (!c.differences.pageInfo.hasNextPage) break;
      after = c.differences.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(onlyB);
    expect(new Set(seen).size).toBe(onlyB);
    const expected = byHand('naiveKb', 'ragKb');
    expect(seen).toHaveLength(expected.onlyB);
  });

  it('should refuse experiments on different datasets, naming the field', async () => {
    const result = await t.gql(COMPARE, { a: ids.naive20, b: ids.ragKb });
    expect(result.data).toBeNull();
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'b' });
    expect(result.errors![0]!.message).toContain('"knowledge_base"');
    expect(result.errors![0]!.message).toContain('"math_reasoning"');
  });

  it('should refuse an unknown id, an experiment that never ran, and out-of-range resamples', async () => {
    const unknown = await t.gql(COMPARE, { a: ids.naive20, b: 'no-such-id' });
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const created = await t.gql(
      `mutation { createExperiment(input: { name: "idle", config: { datasetName: "math_reasoning" } }) { id } }`,
    );
    const idle = await t.gql(COMPARE, { a: created.data!.createExperiment.id, b: ids.naive20 });
    expect(idle.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'a' });
    const tooMany = await t.gql(COMPARE, { a: ids.naive20, b: ids.cot20, resamples: 10_001 });
    expect(tooMany.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'resamples',
    });
  });
});
