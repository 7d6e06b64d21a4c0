import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };
const RUBRIC = 'The answer is correct and complete.';
/** Every model-graded metric on, all answered by the simulator. */
const ALL_METRICS = {
  semanticSimilarity: {},
  faithfulness: {},
  contextRelevance: {},
  judge: { rubric: RUBRIC, scale: 5 },
};
const INTERVAL = 'mean ciLow ciHigh n';
const METRICS = `metrics { samples failed semanticSimilarity { ${INTERVAL} } faithfulness { ${INTERVAL} }
  hallucinationRate { ${INTERVAL} } contextRelevance { ${INTERVAL} } judge { ${INTERVAL} } }`;
const SAMPLE_FIELDS = `sampleIndex parsedAnswer semanticSimilarity faithfulness hallucinated faithfulnessError
  contextRelevance contextRelevanceError judgeScore judgeRawScore judgeError judgePrompt judgeReply`;

/** The interval the API must report, computed here independently: mean ± 1.96·s/√n, clipped to [0, 1]. */
function interval(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const s = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  const half = (1.96 * s) / Math.sqrt(n);
  return {
    mean: r(mean),
    ciLow: r(Math.max(0, mean - half)),
    ciHigh: r(Math.min(1, mean + half)),
    n,
  };
}

describe('the judge-graded metrics', () => {
  let t: TestApp;
  let standin: StandinServer;
  let ragId: string;
  beforeAll(async () => {
    [t, standin] = await Promise.all([
      createTestApp(),
      startStandinServer({
        fixedReplies: {
          'garbage-judge': 'Looks right to me!',
          'fixed-judge': '{"score": 4, "reason": "Mostly right."}',
        },
      }),
    ]);
    ragId = await launch(t, 'rag judged', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 8,
      provider: FAST,
      metrics: ALL_METRICS,
    });
    expect(await t.waitForEnd(ragId)).toBe('COMPLETED');
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  async function read(id: string) {
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { status
        config { faithfulness { model } contextRelevance { model } judge { model rubric scale } }
        ${METRICS}
        attempts { number ${METRICS} }
        profile { profilingSummary { phase count } }
        samples(first: 100) { nodes { ${SAMPLE_FIELDS} } } } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.experiment;
  }

  it('should give every RAG sample exact values, export them, and aggregate each metric with a 95 % interval', async () => {
    const experiment = await read(ragId);
    expect(experiment.config).toEqual({
      faithfulness: { model: 'simulated-judge' },
      contextRelevance: { model: 'simulated-judge' },
      judge: { model: 'simulated-judge', rubric: RUBRIC, scale: 5 },
    });
    const exported = (await (
      await t.fetch(`/api/v1/results/${ragId}/export?format=json`)
    ).json()) as Record<string, unknown>[];
    const rows = Array.isArray(exported) ? exported : (exported as { samples: [] }).samples;
    const column = (name: string) => rows.map((row) => row[name]);
    expect(column('parsed_answer')).toEqual([
      '27.3',
      'WorldWideWeb',
      '1,642',
      '86',
      '15 August 1914',
      '5,268',
      '5,730',
      '14 October 1073',
    ]);
    expect(column('semantic_similarity')).toEqual([1, 1, 1, 0, 1, 1, 1, 0.72]);
    // The wrong answers (86, 1073) are not in the retrieved passages: unsupported, hallucinated.
    expect(column('faithfulness')).toEqual([1, 1, 1, 0, 1, 1, 1, 0]);
    expect(column('hallucinated')).toEqual([false, false, false, true, false, false, false, true]);
    expect(column('context_relevance')).toEqual([
      0.666667, 1, 0.333333, 0.666667, 0.333333, 1, 0.333333, 0.333333,
    ]);
    // 5 of 5 for the gold answer; "14 October 1073" shares 2 of 3 tokens with the gold: 3 of 5.
    expect(column('judge_raw_score')).toEqual([5, 5, 5, 1, 5, 5, 5, 3]);
    expect(column('judge_score')).toEqual([1, 1, 1, 0, 1, 1, 1, 0.5]);
    for (const name of ['faithfulness_error', 'context_relevance_error', 'judge_error'])
      expect(column(name)).toEqual(Array(8).fill(null));
    // The sample shows the judge's own prompt and reply.
    const first = experiment.samples.nodes[0];
    expect(JSON.parse(first.judgePrompt)[1].content).toContain(`Rubric:\n${RUBRIC}`);
    expect(first.judgeReply).toBe('{"score":5,"reason":"The answer states the expected answer."}');
    expect(experiment.samples.nodes.map((s: { judgeScore: number }) => s.judgeScore)).toEqual(
      column('judge_score'),
    );
    const csv = await (await t.fetch(`/api/v1/results/${ragId}/export?format=csv`)).text();
    const header = csv.split('\r\n')[0]!.split(',');
    expect(header.slice(-8)).toEqual([
      'faithfulness',
      'hallucinated',
      'faithfulness_error',
      'context_relevance',
      'context_relevance_error',
      'judge_score',
      'judge_raw_score',
      'judge_error',
    ]);

    const expected = {
      semanticSimilarity: { mean: 0.84, ciLow: 0.595196, ciHigh: 1, n: 8 },
      faithfulness: { mean: 0.75, ciLow: 0.42922, ciHigh: 1, n: 8 },
      hallucinationRate: { mean: 0.25, ciLow: 0, ciHigh: 0.57078, n: 8 },
      contextRelevance: { mean: 0.583333, ciLow: 0.378584, ciHigh: 0.788083, n: 8 },
      judge: { mean: 0.8125, ciLow: 0.554709, ciHigh: 1, n: 8 },
    };
    expect(expected).toEqual({
      semanticSimilarity: interval(column('semantic_similarity') as number[]),
      faithfulness: interval(column('faithfulness') as number[]),
      hallucinationRate: interval((column('hallucinated') as boolean[]).map(Number)),
      contextRelevance: interval(column('context_relevance') as number[]),
      judge: interval(column('judge_score') as number[]),
    });
    expect(experiment.metrics).toEqual({ samples: 8, failed: 0, ...expected });
    expect(experiment.attempts).toEqual([{ number: 1, metrics: experiment.metrics }]);
    // Each metric is a phase of its own in the profile.
    const phases = new Map(
      experiment.profile.profilingSummary.map((p: { phase: string; count: number }) => [
        p.phase,
        p.count,
      ]),
    );
    for (const phase of ['semantic_similarity', 'faithfulness', 'context_relevance', 'judge'])
      expect(phases.get(phase)).toBe(8);
  });

  it('should make a metric null with the reason on an unparseable judge reply, keeping the rest and the run', async () => {
    const id = await launch(t, 'garbage judge', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 3,
      provider: FAST,
      metrics: {
        faithfulness: {},
        judge: {
          provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url, maxAttempts: 1 },
          model: 'garbage-judge',
        },
      },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(id);
    expect(experiment.metrics.failed).toBe(0);
    expect(experiment.metrics.judge).toBeNull();
    expect(experiment.metrics.faithfulness).toEqual({ mean: 1, ciLow: 1, ciHigh: 1, n: 3 });
    expect(experiment.metrics.contextRelevance).toBeNull();
    for (const sample of experiment.samples.nodes) {
      expect(sample.judgeScore).toBeNull();
      expect(sample.judgeRawScore).toBeNull();
      expect(sample.judgeError).toBe(
        "the LLM judge's reply is unusable: not JSON (Unexpected token 'L', \"Looks right to me!\" is not valid JSON)",
      );
      expect(sample.judgeReply).toBe('Looks right to me!');
      expect(sample.faithfulness).toBe(1);
      expect(sample.contextRelevance).toBeNull();
      expect(sample.contextRelevanceError).toBeNull();
    }
  });

  it('should leave faithfulness and context relevance null with the reason on samples without retrieval', async () => {
    const id = await launch(t, 'naive judged', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'NAIVE',
      numSamples: 2,
      provider: FAST,
      metrics: ALL_METRICS,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(id);
    expect(experiment.metrics.faithfulness).toBeNull();
    expect(experiment.metrics.hallucinationRate).toBeNull();
    expect(experiment.metrics.contextRelevance).toBeNull();
    expect(experiment.metrics.judge.n).toBe(2);
    for (const sample of experiment.samples.nodes) {
      expect(sample.faithfulness).toBeNull();
      expect(sample.hallucinated).toBeNull();
      expect(sample.faithfulnessError).toBe(
        'the sample is not retrieval-augmented: it has no retrieved passages',
      );
      expect(sample.contextRelevanceError).toBe(
        'the sample is not retrieval-augmented: it has no retrieved passages',
      );
      expect(typeof sample.judgeScore).toBe('number');
    }
  });

  it('should refuse bad judge settings with BAD_USER_INPUT naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ judge: { scale: 11 } }, 'config.metrics.judge.scale'],
      [{ judge: { scale: 1 } }, 'config.metrics.judge.scale'],
      [{ judge: { rubric: 'x'.repeat(4001) } }, 'config.metrics.judge.rubric'],
      [{ judge: { rubric: '  ' } }, 'config.metrics.judge.rubric'],
      [
        { faithfulness: { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url } } },
        'config.metrics.faithfulness.model',
      ],
    ];
    for (const [metrics, field] of cases) {
      const result = await t.gql(
        'mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
        { input: { name: 'bad', config: { metrics } } },
      );
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('judgeExperiment', () => {
  let t: TestApp;
  let standin: StandinServer;
  let id: string;
  beforeAll(async () => {
    [t, standin] = await Promise.all([
      createTestApp(),
      startStandinServer({
        fixedReplies: { 'fixed-judge': '{"score": 4, "reason": "Mostly right."}' },
      }),
    ]);
    id = await launch(t, 'to judge', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 20,
      provider: FAST,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  const JUDGE = `mutation ($id: ID!, $n: Int!, $judge: JudgeMetricInput!, $seed: Int) {
    judgeExperiment(id: $id, sampleSize: $n, judge: $judge, seed: $seed) {
      experimentId attempt sampleSize seed apiCalls cacheHits judge { model scale }
      samples { sampleIndex answer expectedAnswer score rawScore error cacheTier }
      aggregate { mean ciLow ciHigh n } } }`;
  const stored = async () =>
    (
      await t.gql(
        `query ($id: ID!) { experiment(id: $id) { attempts { judgeRun { judgedAt sampleSize apiCalls samples { sampleIndex score } } } } }`,
        { id },
      )
    ).data!.experiment.attempts[0].judgeRun;

  it('should judge a seeded sample, store it with the attempt, and answer a re-run from the cache', async () => {
    const first = await t.gql(JUDGE, { id, n: 6, judge: { scale: 5 } });
    expect(first.errors).toBeUndefined();
    const run = first.data!.judgeExperiment;
    expect(run).toMatchObject({
      experimentId: id,
      attempt: 1,
      sampleSize: 6,
      seed: 42,
      apiCalls: 6,
      cacheHits: 0,
    });
    expect(run.judge).toEqual({ model: 'simulated-judge', scale: 5 });
    const indices = run.samples.map((s: { sampleIndex: number }) => s.sampleIndex);
    expect(indices).toHaveLength(6);
    expect(new Set(indices).size).toBe(6);
    for (const s of run.samples) {
      expect(s.error).toBeNull();
      expect(s.cacheTier).toBeNull();
      // The simulated judge: the top score for an answer holding the gold one.
      if (s.answer === s.expectedAnswer) expect(s.rawScore).toBe(5);
      expect(s.score).toBe((s.rawScore - 1) / 4);
    }
    expect(run.aggregate).toEqual(interval(run.samples.map((s: { score: number }) => s.score)));
    expect((await stored()).samples).toEqual(
      run.samples.map((s: { sampleIndex: number; score: number }) => ({
        sampleIndex: s.sampleIndex,
        score: s.score,
      })),
    );

    const again = (await t.gql(JUDGE, { id, n: 6, judge: { scale: 5 } })).data!.judgeExperiment;
    expect(again.apiCalls).toBe(0);
    expect(again.cacheHits).toBe(6);
    expect(again.samples.map((s: { sampleIndex: number }) => s.sampleIndex)).toEqual(indices);
    expect(again.samples.map((s: { cacheTier: string }) => s.cacheTier)).toEqual(
      Array(6).fill('persistent'),
    );
    expect(again.aggregate).toEqual(run.aggregate);

    // Another seed picks another sample.
    const reseeded = (await t.gql(JUDGE, { id, n: 6, judge: { scale: 5 }, seed: 7 })).data!
      .judgeExperiment;
    expect(reseeded.samples.map((s: { sampleIndex: number }) => s.sampleIndex)).not.toEqual(
      indices,
    );
  });

  it('should make no HTTP request to a remote judge on a re-run', async () => {
    const judge = {
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url, maxAttempts: 1 },
      model: 'fixed-judge',
      scale: 5,
    };
    const before = standin.stats.requests;
    const first = (await t.gql(JUDGE, { id, n: 4, judge })).data!.judgeExperiment;
    expect(standin.stats.requests - before).toBe(4);
    expect(first.apiCalls).toBe(4);
    expect(first.aggregate).toEqual({ mean: 0.75, ciLow: 0.75, ciHigh: 0.75, n: 4 });
    const again = (await t.gql(JUDGE, { id, n: 4, judge })).data!.judgeExperiment;
    expect(again.apiCalls).toBe(0);
    expect(standin.stats.requests - before).toBe(4);
  });

  it('should refuse bad input and change nothing', async () => {
    const kept = await stored();
    const code = async (variables: Record<string, unknown>) =>
      (await t.gql(JUDGE, { judge: {}, ...variables })).errors?.[0]?.extensions?.code;
    expect(await code({ id: '00000000-0000-0000-0000-000000000000', n: 3 })).toBe('NOT_FOUND');
    expect(await code({ id, n: 0 })).toBe('BAD_USER_INPUT');
    expect(await code({ id, n: 1001 })).toBe('BAD_USER_INPUT');
    expect(await code({ id, n: 3, judge: { scale: 11 } })).toBe('BAD_USER_INPUT');
    expect(await code({ id, n: 3, seed: -1 })).toBe('BAD_USER_INPUT');
    const created = await t.gql(
      'mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
      { input: { name: 'never run', config: { datasetName: 'knowledge_base' } } },
    );
    expect(await code({ id: created.data!.createExperiment.id, n: 3 })).toBe('CONFLICT');
    expect(await stored()).toEqual(kept);
  });
});
