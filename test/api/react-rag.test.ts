import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsAnswer } from '../../server/engine/metrics/scoring.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };
const WHOLE = 100_000;

interface AgentStep {
  iteration: number;
  thought: string;
  action: string | null;
  input: string | null;
  observation: string | null;
  answer: string | null;
}
interface Sample {
  exampleId: string;
  expectedAnswer: string;
  parsedAnswer: string;
  correct: boolean;
  agent: { stopReason: string; iterations: number; toolCalls: number; steps: AgentStep[] } | null;
  retrieval: {
    retrieval: string;
    topK: number;
    passages: { id: string; articleId: string; text: string; rank: number }[];
  } | null;
  trace: unknown;
}

const SAMPLE_FIELDS = `exampleId expectedAnswer parsedAnswer correct trace
  agent { stopReason iterations toolCalls steps { iteration thought action input observation answer toolError cached ms toolMs } }
  retrieval { retrieval topK passages { id articleId title text rank score } }`;

describe('REACT and RAG through the GraphQL API (simulated provider)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  interface Run {
    id: string;
    metrics: Record<string, any>;
    profile: Record<string, any>;
    samples: Sample[];
  }

  async function run(name: string, config: Record<string, unknown>): Promise<Run> {
    const id = await launch(t, name, { numSamples: WHOLE, provider: FAST, ...config });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) {
        metrics { samples failed accuracyAny }
        profile { apiCalls profilingSummary { phase count } batchStats { enabled disabledReason } cacheStats { hits misses } }
        samples(first: 1000) { totalCount nodes { ${SAMPLE_FIELDS} } }
      } }`,
      { id },
    );
    expect(result.errors).toBeUndefined();
    const experiment = result.data!.experiment;
    return { id, ...experiment, samples: experiment.samples.nodes as Sample[] };
  }

  describe('REACT on react_bench', () => {
    let naive: Run;
    let react: Run;
    beforeAll(async () => {
      naive = await run('react_bench naive', {
        datasetName: 'react_bench',
        reasoningMethod: 'NAIVE',
      });
      react = await run('react_bench react', {
        datasetName: 'react_bench',
        reasoningMethod: 'REACT',
        optimization: { enableBatching: true, batchSize: 8, enableCaching: true },
      });
    });

    it('should stop most samples with an answer after at least one tool call', () => {
      expect(react.samples).toHaveLength(46);
      const answeredAfterTools = react.samples.filter(
        (s) => s.agent!.stopReason === 'ANSWER' && s.agent!.toolCalls >= 1,
      );
      expect(answeredAfterTools.length).toBeGreaterThan(react.samples.length / 2);
      for (const sample of react.samples)
        expect(sample.agent!.iterations).toBe(sample.agent!.steps.length);
    });

    it('should beat NAIVE on the same samples', () => {
      expect(react.samples.map((s) => s.exampleId)).toEqual(naive.samples.map((s) => s.exampleId));
      expect(react.metrics.accuracyAny).toBeGreaterThan(naive.metrics.accuracyAny);
      expect(react.metrics.failed).toBe(0);
    });

    it('should store the whole trace: thoughts, tool calls with their observations, and the answer', () => {
      const sample = react.samples.find((s) => s.exampleId === 'rb008')!;
      const steps = sample.agent!.steps;
      expect(steps.map((s) => [s.action, s.input])).toEqual([
        ['search', 'Eiffel Tower'],
        ['search', 'Golden Gate Bridge'],
        ['calculator', '1937 - 1889'],
        [null, null],
      ]);
      expect(steps[0]!.observation).toMatch(/^\[Eiffel Tower\] .*completed in March 1889/);
      expect(steps[1]!.observation).toMatch(
        /^\[Golden Gate Bridge\] .*opened to pedestrians on May 27, 1937/,
      );
      expect(steps[2]!.observation).toBe('48');
      expect(steps[3]!.answer).toBe(sample.parsedAnswer);
      expect(steps.every((s) => s.thought.length > 0)).toBe(true);
      // The JSON trace holds the same steps.
      expect((sample.trace as { steps: AgentStep[] }).steps.map((s) => s.observation)).toEqual(
        steps.map((s) => s.observation),
      );
    });

    it('should send every agent step through the cache, time tools, and say why batching is off', () => {
      const modelCalls = react.samples.reduce((sum, s) => sum + s.agent!.iterations, 0);
      expect(react.profile.apiCalls).toBe(modelCalls);
      expect(react.profile.cacheStats.hits + react.profile.cacheStats.misses).toBe(modelCalls);
      const phases = Object.fromEntries(
        react.profile.profilingSummary.map((p: { phase: string; count: number }) => [
          p.phase,
          p.count,
        ]),
      );
      expect(phases.tool).toBe(react.samples.filter((s) => s.agent!.toolCalls > 0).length);
      expect(phases.api_call).toBe(46);
      expect(react.profile.batchStats).toEqual({
        enabled: false,
        disabledReason: expect.stringContaining('REACT'),
      });
    });

    it('should export the trace with each sample, in JSON and in CSV', async () => {
      const json = await (await t.fetch(`/api/v1/results/${react.id}/export?format=json`)).json();
      const exported = json.samples.find((s: { example_id: string }) => s.example_id === 'rb008');
      expect(exported.trace.stopReason).toBe('answer');
      expect(exported.trace.steps).toHaveLength(4);
      const csv = await (await t.fetch(`/api/v1/results/${react.id}/export?format=csv`)).text();
      expect(
        csv
          .split('\r\n')[0]!
          .endsWith(
            ',trace,metadata,grades,failure_mode,semantic_similarity,semantic_similarity_error,' +
              'faithfulness,hallucinated,faithfulness_error,context_relevance,context_relevance_error,' +
              'judge_score,judge_raw_score,judge_error',
          ),
      ).toBe(true);
      expect(csv).toContain('""stopReason"":""answer""');
    });
  });

  describe('RAG on knowledge_base', () => {
    let naive: Run;
    let bm25: Run;
    let hybrid: Run;
    beforeAll(async () => {
      naive = await run('kb naive', { datasetName: 'knowledge_base', reasoningMethod: 'NAIVE' });
      bm25 = await run('kb rag', { datasetName: 'knowledge_base', reasoningMethod: 'RAG' });
      hybrid = await run('kb rag hybrid', {
        datasetName: 'knowledge_base',
        reasoningMethod: 'RAG',
        rag: { retrieval: 'HYBRID', topK: 5 },
      });
    });

    it('should beat NAIVE with BM25 and with HYBRID retrieval', () => {
      expect(bm25.samples.map((s) => s.exampleId)).toEqual(naive.samples.map((s) => s.exampleId));
      expect(bm25.metrics.accuracyAny).toBeGreaterThan(naive.metrics.accuracyAny);
      expect(hybrid.metrics.accuracyAny).toBeGreaterThan(naive.metrics.accuracyAny);
    });

    it('should store topK ranked passages per sample, and for most correct samples they contain the answer', () => {
      const dataset = t.app.datasets.get('knowledge_base')!;
      const examples = new Map(
        Array.from({ length: dataset.size }, (_, i) => dataset.at(i)).map((e) => [e.id, e]),
      );
      for (const [experiment, retrieval, topK] of [
        [bm25, 'BM25', 3],
        [hybrid, 'HYBRID', 5],
      ] as const) {
        const correct = experiment.samples.filter((s) => s.correct);
        const grounded = correct.filter((s) => {
          const context = s.retrieval!.passages.map((p) => p.text).join(' ');
          return containsAnswer(context, examples.get(s.exampleId)!);
        });
        expect(grounded.length).toBeGreaterThan(correct.length / 2);
        for (const sample of experiment.samples) {
          expect(sample.retrieval).toMatchObject({ retrieval, topK });
          expect(sample.retrieval!.passages.map((p) => p.rank)).toEqual(
            Array.from({ length: topK }, (_, i) => i + 1),
          );
          expect(sample.agent).toBeNull();
        }
      }
    });

    it('should report a retrieval phase in the profile', () => {
      const retrieval = bm25.profile.profilingSummary.find(
        (p: { phase: string }) => p.phase === 'retrieval',
      );
      expect(retrieval).toEqual({ phase: 'retrieval', count: 78 });
      expect(
        naive.profile.profilingSummary.some((p: { phase: string }) => p.phase === 'retrieval'),
      ).toBe(false);
    });
  });
});
