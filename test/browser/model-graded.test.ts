import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScore } from '../../client/src/format.ts';
import { formatInterval, intervalHint } from '../../client/src/model-graded.ts';
import { launch, type TestApp } from '../helpers/test-app.ts';
import { findChromium, screenshot, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();
const FAST = { kind: 'SIMULATED', latencyMs: 0 };
const ALL_METRICS = {
  semanticSimilarity: {},
  faithfulness: {},
  contextRelevance: {},
  judge: { rubric: 'The answer is correct and complete.', scale: 5 },
};
const INTERVAL = '{ mean ciLow ciHigh n }';
const CARDS = {
  semanticSimilarity: 'metric-semantic-similarity',
  faithfulness: 'metric-faithfulness',
  hallucinationRate: 'metric-hallucination-rate',
  contextRelevance: 'metric-context-relevance',
  judge: 'metric-judge',
} as const;
type Interval = { mean: number; ciLow: number; ciHigh: number; n: number };

describe.skipIf(!chromiumPath)('the model-graded metrics in Chromium', () => {
  let web: WebClient;
  let t: TestApp;
  let page: Page;
  let baseUrl: string;
  let pageErrors: string[];

  beforeAll(async () => {
    web = await openWebClient(chromiumPath as string);
    ({ t, page, baseUrl, pageErrors } = web);
  });

  afterAll(async () => {
    await web?.close();
  });

  const text = (selector: string) => page.locator(selector).first().textContent();
  const metricsOf = async (id: string) =>
    (
      await t.gql<{ experiment: { metrics: Record<keyof typeof CARDS, Interval> } }>(
        `query ($id: ID!) { experiment(id: $id) { metrics { ${Object.keys(CARDS)
          .map((m) => `${m} ${INTERVAL}`)
          .join(' ')} } } }`,
        { id },
      )
    ).data!.experiment.metrics;

  it('should show each metric with its 95 % interval on the RAG experiment page, the judge trace, and the comparison', async () => {
    const id = await launch(t, 'rag-judged', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 8,
      provider: FAST,
      metrics: ALL_METRICS,
    });
    const other = await launch(t, 'rag-judged-bm25-top1', {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 8,
      provider: FAST,
      rag: { topK: 1 },
      metrics: ALL_METRICS,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    expect(await t.waitForEnd(other)).toBe('COMPLETED');
    const metrics = await metricsOf(id);
    expect(metrics.faithfulness).toEqual({ mean: 0.75, ciLow: 0.42922, ciHigh: 1, n: 8 });

    await page.goto(`${baseUrl}/experiments/${id}`);
    await page.waitForSelector('[data-testid=metric-judge]');
    for (const [metric, testId] of Object.entries(CARDS)) {
      const interval = metrics[metric as keyof typeof CARDS];
      const card = await text(`[data-testid=${testId}]`);
      expect(card).toContain(formatScore(interval.mean));
      expect(card).toContain(intervalHint(interval));
    }
    expect(await text('[data-testid=metric-faithfulness]')).toContain('95% CI 0.429–1.000 · n 8');
    console.log(`screenshot: ${await screenshot(page, 'model-graded-metrics')}`);

    await page.click('[data-testid=sample-row-0]');
    await page.waitForSelector('[data-testid=judge-trace]');
    expect(await text('[data-testid=sample-model-graded]')).toBe(
      'Semantic similarity 1.000 · Faithfulness 1.000 · Context relevance 0.667 · LLM judge 1.000',
    );
    expect(await text('[data-testid=judge-trace]')).toContain('Rubric:');
    console.log(
      `screenshot: ${await screenshot(page, 'model-graded-sample', { fullPage: false })}`,
    );
    await page.keyboard.press('Escape');

    const b = await metricsOf(other);
    await page.goto(`${baseUrl}/compare?a=${id}&b=${other}`);
    await page.waitForSelector('[data-testid=side-by-side]');
    const table = await text('[data-testid=side-by-side]');
    expect(table).toContain(
      `Context relevance (95% CI)${formatInterval(metrics.contextRelevance)}${formatInterval(b.contextRelevance)}`,
    );
    expect(table).toContain(
      `LLM judge (95% CI)${formatInterval(metrics.judge)}${formatInterval(b.judge)}`,
    );
    console.log(`screenshot: ${await screenshot(page, 'model-graded-compare')}`);
    expect(pageErrors).toEqual([]);
  });

  it('should switch the metrics on from the new-experiment form', async () => {
    await page.goto(`${baseUrl}/experiments/new`);
    await page.fill('[name=name]', 'form-judged');
    await page.selectOption('[name=reasoningMethod]', 'RAG');
    await page.selectOption('[name=datasetName]', 'knowledge_base');
    await page.fill('[name=numSamples]', '4');
    await page.check('[name="metrics.faithfulness"]');
    await page.check('[name="metrics.judge"]');
    await page.fill('[name=judgeScale]', '11');
    await page.click('[data-testid=create]');
    await page.waitForSelector('text=must be between 2 and 10');
    await page.fill('[name=judgeScale]', '3');
    await page.click('[data-testid=create]');
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop() as string;
    const { data } = await t.gql(
      'query ($id: ID!) { experiment(id: $id) { config { faithfulness { model } contextRelevance { model } judge { scale } } } }',
      { id },
    );
    expect(data!.experiment.config).toEqual({
      faithfulness: { model: 'simulated-judge' },
      contextRelevance: null,
      judge: { scale: 3 },
    });
    expect(pageErrors).toEqual([]);
  });
});
