import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };

describe('probe', () => {
  let t: TestApp;
  let standin: StandinServer;
  beforeAll(async () => {
    [t, standin] = await Promise.all([createTestApp(), startStandinServer()]);
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  it('probe', async () => {
    const id = await launch(t, 'judged', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 8,
      provider: FAST,
      metrics: {
        semanticSimilarity: {},
        faithfulness: {},
        contextRelevance: {},
        judge: { rubric: 'Correct and complete.', scale: 5 },
      },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const r = await t.gql(
      `query ($id: ID!) { experiment(id: $id) {
        metrics { samples failed accuracyAny semanticSimilarity { mean ciLow ciHigh n } faithfulness { mean ciLow ciHigh n } hallucinationRate { mean ciLow ciHigh n } contextRelevance { mean ciLow ciHigh n } judge { mean ciLow ciHigh n } }
        profile { profilingSummary { phase count } }
        samples(first: 100) { nodes { sampleIndex correct parsedAnswer expectedAnswer semanticSimilarity faithfulness hallucinated faithfulnessError contextRelevance contextRelevanceError judgeScore judgeRawScore judgeError judgeReply } } } }`,
      { id },
    );
    console.log(JSON.stringify(r, null, 1));
  });
});
