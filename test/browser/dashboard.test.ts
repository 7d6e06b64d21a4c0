import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatInteger,
  formatMs,
  formatPercent,
  formatPValue,
  formatScore,
  formatThroughput,
} from '../../client/src/format.ts';
import { launch, type TestApp } from '../helpers/test-app.ts';
import { findChromium, screenshot, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();
const FAST = { kind: 'SIMULATED', latencyMs: 0 };

/** "456 ms" / "1.23 s" back to milliseconds, to see a live value grow. */
function parseDuration(text: string | null): number {
  const [value, unit] = (text ?? '').split(' ');
  return Number(value) * (unit === 's' ? 1000 : 1);
}

describe.skipIf(!chromiumPath)('the web client in Chromium', () => {
  let web: WebClient;
  let t: TestApp;
  let page: Page;
  let baseUrl: string;
  let pageErrors: string[];

  beforeAll(async () => {
    // Short intervals so that a run of a few seconds shows many live profile updates.
    web = await openWebClient(chromiumPath as string, {
      profileIntervalMs: 100,
      progressIntervalMs: 50,
    });
    ({ t, page, baseUrl, pageErrors } = web);
  });

  afterAll(async () => {
    await web?.close();
  });

  const text = (selector: string) => page.locator(selector).first().textContent();
  const experimentCount = async () =>
    (await t.gql<{ experiments: { totalCount: number } }>('{ experiments { totalCount } }')).data!
      .experiments.totalCount;

  it('should list experiments with their numbers, and show new ones, progress and status changes live without a reload', async () => {
    const naive = await launch(t, 'list-naive', {
      reasoningMethod: 'NAIVE',
      datasetName: 'sample',
      provider: FAST,
    });
    const cot = await launch(t, 'list-cot', {
      reasoningMethod: 'COT',
      datasetName: 'sample',
      provider: FAST,
    });
    await Promise.all([t.waitForEnd(naive), t.waitForEnd(cot)]);
    const { data } = await t.gql<{
      experiment: { metrics: { accuracyAny: number }; attempts: { wallTimeMs: number }[] };
    }>(
      'query ($id: ID!) { experiment(id: $id) { metrics { accuracyAny } attempts { wallTimeMs } } }',
      { id: cot },
    );

    await page.goto(`${baseUrl}/`);
    await page.waitForSelector(`[data-testid=experiment-row-${cot}]`);
    expect(await text(`[data-testid=experiment-row-${cot}] [data-testid=row-accuracy]`)).toBe(
      formatPercent(data!.experiment.metrics.accuracyAny),
    );
    expect(await text(`[data-testid=experiment-row-${cot}] [data-testid=row-wall-time]`)).toBe(
      formatMs(data!.experiment.attempts[0]!.wallTimeMs),
    );
    expect(await text('[data-testid=experiments-count]')).toBe('2');

    // Launched elsewhere (here through the API): the row appears from experimentsChanged, and its progress moves on its own stream.
    const running = await launch(t, 'list-running', {
      reasoningMethod: 'NAIVE',
      datasetName: 'trivia_qa',
      numSamples: 129,
      provider: { kind: 'SIMULATED', latencyMs: 40 },
    });
    const row = `[data-testid=experiment-row-${running}]`;
    await page.waitForSelector(`${row} .status-running`);
    await page.waitForFunction(
      (selector) => /^[1-9]\d* \/ 129$/.test(document.querySelector(selector)?.textContent ?? ''),
      `${row} [data-testid=progress-label]`,
    );
    console.log(`screenshot: ${await screenshot(page, 'experiments-list')}`);
    expect(await text(`${row} [data-testid=status]`)).toBe('RUNNING');
    expect(await text('[data-testid=experiments-count]')).toBe('3');

    await t.gql('mutation ($id: ID!) { cancelExperiment(id: $id) { id } }', { id: running });
    await page.waitForSelector(`${row} .status-cancelled`);

    await page.selectOption('[data-testid=filter-method]', 'COT');
    await page.waitForSelector(`[data-testid=experiment-row-${naive}]`, { state: 'detached' });
    expect(await page.locator('[data-testid^=experiment-row-]').count()).toBe(1);
    expect(await text('[data-testid=experiments-count]')).toBe('1');
    await page.selectOption('[data-testid=filter-method]', '');
    await page.waitForSelector(`[data-testid=experiment-row-${naive}]`);
    expect(pageErrors).toEqual([]);
  });

  it('should refuse out-of-range settings in the form, and show server errors beside their field', async () => {
    const before = await experimentCount();
    await page.goto(`${baseUrl}/experiments/new`);
    await page.fill('[name=name]', 'refused');
    await page.check('[name=enableBatching]');
    await page.fill('[name=batchSize]', '33');
    await page.check('[name=enableCaching]');
    await page.fill('[name=cacheMaxSize]', '8');
    await page.click('[data-testid=create]');
    await page.waitForSelector('[data-testid="error-config.optimization.batchSize"]');
    expect(await text('[data-testid="error-config.optimization.batchSize"]')).toBe(
      'must be between 1 and 32',
    );
    expect(await text('[data-testid="error-config.optimization.cacheMaxSize"]')).toBe(
      'must be between 16 and 2048',
    );
    console.log(`screenshot: ${await screenshot(page, 'new-experiment-form-errors')}`);

    // Within limits, but a base URL only the server checks.
    await page.fill('[name=batchSize]', '32');
    await page.fill('[name=cacheMaxSize]', '16');
    await page.selectOption('[name=providerKind]', 'OPENAI_COMPATIBLE');
    await page.fill('[name=baseUrl]', 'ftp://models.example/v1');
    await page.click('[data-testid=create]');
    await page.waitForSelector('[data-testid="error-config.provider.baseUrl"]');
    expect(await text('[data-testid="error-config.provider.baseUrl"]')).toBe(
      'must use http or https',
    );
    expect(await page.locator('[data-testid="error-config.optimization.batchSize"]').count()).toBe(
      0,
    );
    expect(page.url()).toBe(`${baseUrl}/experiments/new`);
    expect(await experimentCount()).toBe(before);
    expect(pageErrors).toEqual([]);
  });

  it('should create and run an experiment through the form, show its profile changing live, and end on the numbers of the API', async () => {
    await page.goto(`${baseUrl}/experiments/new`);
    await page.fill('[name=name]', 'browser-live');
    await page.selectOption('[name=reasoningMethod]', 'COT');
    await page.selectOption('[name=datasetName]', 'trivia_qa');
    await page.fill('[name=numSamples]', '129');
    await page.fill('[name=latencyMs]', '80');
    await page.check('[name=enableBatching]');
    await page.fill('[name=batchSize]', '4');
    await page.check('[name=enableCaching]');
    await page.fill('[name=cacheMaxSize]', '512');
    console.log(`screenshot: ${await screenshot(page, 'new-experiment-form')}`);
    await page.click('[data-testid=create-and-run]');
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop() as string;

    // Live: the profile section is fed by the experimentProfile subscription while the run goes.
    await page.waitForSelector('[data-testid=profile-live]');
    const readProfile = async () => ({
      batches: Number(await text('[data-testid=profile-batches-value]')),
      wallMs: parseDuration(await text('[data-testid=profile-wall-time-value]')),
    });
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=profile-batches-value]')?.textContent) >= 2,
    );
    const first = await readProfile();
    await page.waitForFunction(({ batches, wallMs }) => {
      const now = Number(
        document.querySelector('[data-testid=profile-batches-value]')?.textContent,
      );
      const [value, unit] = (
        document.querySelector('[data-testid=profile-wall-time-value]')?.textContent ?? ''
      ).split(' ');
      return now > batches && Number(value) * (unit === 's' ? 1000 : 1) > wallMs;
    }, first);
    const second = await readProfile();
    expect(second.batches).toBeGreaterThan(first.batches);
    expect(second.wallMs).toBeGreaterThan(first.wallMs);
    expect(await page.locator('[data-testid=live-feed] li').count()).toBeGreaterThan(0);
    console.log(
      `live profile: batches ${first.batches} → ${second.batches}, wall ${first.wallMs} ms → ${second.wallMs} ms`,
    );
    console.log(`screenshot: ${await screenshot(page, 'experiment-running-profile')}`);
    // Still running after the screenshot, so the screenshot shows the run in progress.
    expect(await text('.header [data-testid=status]')).toBe('RUNNING');

    await page.waitForSelector('.header .status-completed', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=profile-live]', { state: 'detached' });
    const { data } = await t.gql<{ experiment: any }>(
      `query ($id: ID!) { experiment(id: $id) {
        progress { done total failed }
        metrics { accuracyAny accuracyExact f1Mean latencyP50 latencyP95 latencyP99 throughput tokensInput tokensOutput }
        profile { totalWallTimeMs apiCalls cacheStats { hitRate } batchStats { batchesProcessed } profilingSummary { phase count meanMs p50Ms p95Ms p99Ms totalMs } }
      } }`,
      { id },
    );
    const { progress, metrics: m, profile: p } = data!.experiment;
    expect(progress).toEqual({ done: 129, total: 129, failed: 0 });
    expect(p.batchStats.batchesProcessed).toBe(Math.ceil(p.apiCalls / 4));
    expect(await text('.header [data-testid=progress-label]')).toBe('129 / 129');
    expect(await text('[data-testid=metric-accuracy-any-value]')).toBe(
      formatPercent(m.accuracyAny),
    );
    expect(await text('[data-testid=metric-accuracy-exact-value]')).toBe(
      formatPercent(m.accuracyExact),
    );
    expect(await text('[data-testid=metric-f1-value]')).toBe(formatScore(m.f1Mean));
    expect(await text('[data-testid=metric-latency-p50-value]')).toBe(formatMs(m.latencyP50));
    expect(await text('[data-testid=metric-latency-p95-value]')).toBe(formatMs(m.latencyP95));
    expect(await text('[data-testid=metric-latency-p99-value]')).toBe(formatMs(m.latencyP99));
    expect(await text('[data-testid=metric-throughput-value]')).toBe(
      formatThroughput(m.throughput),
    );
    expect(await text('[data-testid=metric-tokens-value]')).toBe(
      formatInteger(m.tokensInput + m.tokensOutput),
    );
    expect(await text('[data-testid=profile-wall-time-value]')).toBe(formatMs(p.totalWallTimeMs));
    expect(await text('[data-testid=profile-hit-rate-value]')).toBe(
      formatPercent(p.cacheStats.hitRate),
    );
    expect(await text('[data-testid=profile-batches-value]')).toBe(
      formatInteger(p.batchStats.batchesProcessed),
    );
    for (const phase of p.profilingSummary) {
      const cells = await page.locator(`[data-testid=phase-${phase.phase}] td`).allTextContents();
      expect(cells).toEqual([
        phase.phase,
        formatInteger(phase.count),
        ...[phase.meanMs, phase.p50Ms, phase.p95Ms, phase.p99Ms, phase.totalMs].map(formatMs),
      ]);
    }
    console.log(`screenshot: ${await screenshot(page, 'experiment-completed')}`);
    expect(pageErrors).toEqual([]);
  });

  it('should open the agent trace of a REACT sample and re-run the experiment as a new attempt', async () => {
    const id = await launch(t, 'browser-react', {
      reasoningMethod: 'REACT',
      datasetName: 'react_bench',
      numSamples: 4,
      provider: FAST,
    });
    await t.waitForEnd(id);
    const { data } = await t.gql<{ experiment: any }>(
      'query ($id: ID!) { experiment(id: $id) { samples(first: 1) { nodes { agent { steps { thought } stopReason } } } } }',
      { id },
    );
    const agent = data!.experiment.samples.nodes[0].agent;

    await page.goto(`${baseUrl}/experiments/${id}`);
    await page.click('[data-testid=sample-row-0]');
    await page.waitForSelector('[data-testid=agent-trace]');
    expect(await page.locator('[data-testid=agent-trace] .steps > li').count()).toBe(
      agent.steps.length,
    );
    expect(await text('[data-testid=agent-trace] .steps > li div')).toBe(
      `Thought ${agent.steps[0].thought}`,
    );
    console.log(`screenshot: ${await screenshot(page, 'sample-agent-trace', { fullPage: false })}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=sample-detail]', { state: 'detached' });

    await page.click('[data-testid=rerun]');
    await page.waitForSelector('.header .chip:text-is("attempt 2")');
    await page.waitForSelector('.header .status-completed');
    const attempts = await t.gql<{
      experiment: { attempts: { number: number; status: string }[] };
    }>('query ($id: ID!) { experiment(id: $id) { attempts { number status } } }', { id });
    expect(attempts.data!.experiment.attempts).toEqual([
      { number: 1, status: 'COMPLETED' },
      { number: 2, status: 'COMPLETED' },
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('should compare two experiments with the significance figures of the API', async () => {
    const config = { datasetName: 'math_reasoning', numSamples: 30, provider: FAST };
    const a = await launch(t, 'compare-naive', { ...config, reasoningMethod: 'NAIVE' });
    const b = await launch(t, 'compare-cot', { ...config, reasoningMethod: 'COT' });
    await Promise.all([t.waitForEnd(a), t.waitForEnd(b)]);
    const { data } = await t.gql<{ compareExperiments: any }>(
      'query ($a: ID!, $b: ID!) { compareExperiments(a: $a, b: $b) { samplesInCommon mcNemar { pValue significant } } }',
      { a, b },
    );
    const comparison = data!.compareExperiments;

    await page.goto(`${baseUrl}/compare?a=${a}&b=${b}`);
    await page.waitForSelector('[data-testid=p-value]');
    expect(await text('[data-testid=p-value]')).toBe(formatPValue(comparison.mcNemar.pValue));
    expect(await text('[data-testid=verdict]')).toBe(
      comparison.mcNemar.significant
        ? 'The difference is significant at 95 %.'
        : 'No significant difference at 95 %.',
    );
    expect(await text('[data-testid=differences] [data-testid=pager-range]')).toBe(
      `1–25 of ${comparison.samplesInCommon}`,
    );
    console.log(`screenshot: ${await screenshot(page, 'compare')}`);
    expect(pageErrors).toEqual([]);
  });
  it('should compare three experiments with the corrected p-values of the API', async () => {
    const config = { datasetName: 'math_reasoning', numSamples: 30, provider: FAST };
    const ids = [
      await launch(t, 'multi-naive', { ...config, reasoningMethod: 'NAIVE' }),
      await launch(t, 'multi-cot', { ...config, reasoningMethod: 'COT' }),
      await launch(t, 'multi-cot-70b', {
        ...config,
        reasoningMethod: 'COT',
        modelName: 'llama-70B',
      }),
    ];
    await Promise.all(ids.map((id) => t.waitForEnd(id)));
    const { data } = await t.gql<{ compareExperiments: any }>(
      'query ($ids: [ID!]!) { compareExperiments(ids: $ids) { pairwise { adjustedPValue } } }',
      { ids },
    );

    await page.goto(`${baseUrl}/compare?a=${ids[0]}&b=${ids[1]}&more=${ids[2]}`);
    await page.waitForSelector('[data-testid=adjusted-p]');
    const shown = await page.$$eval('[data-testid=adjusted-p]', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    expect(shown).toEqual(
      data!.compareExperiments.pairwise.map((p: { adjustedPValue: number }) =>
        formatPValue(p.adjustedPValue),
      ),
    );
    expect(await page.$$eval('[data-testid=multi-table] tbody tr', (rows) => rows.length)).toBe(3);
    console.log(`screenshot: ${await screenshot(page, 'compare-three')}`);
    expect(pageErrors).toEqual([]);
  });
  it('should show the semantic similarity with its 95 % interval on the experiment page', async () => {
    const id = await launch(t, 'semantic-card', {
      datasetName: 'trivia_qa',
      numSamples: 20,
      provider: FAST,
      metrics: { semanticSimilarity: {} },
    });
    await t.waitForEnd(id);
    const { data } = await t.gql<{
      experiment: {
        metrics: { semanticSimilarity: { mean: number; ciLow: number; ciHigh: number; n: number } };
      };
    }>(
      'query ($id: ID!) { experiment(id: $id) { metrics { semanticSimilarity { mean ciLow ciHigh n } } } }',
      { id },
    );
    const similarity = data!.experiment.metrics.semanticSimilarity;
    await page.goto(`${baseUrl}/experiments/${id}`);
    const card = '[data-testid=metric-semantic-similarity]';
    await page.waitForSelector(card);
    expect(await text(card)).toContain(formatScore(similarity.mean));
    expect(await text(card)).toContain(
      `95% CI ${formatScore(similarity.ciLow)}–${formatScore(similarity.ciHigh)} · n ${formatInteger(similarity.n)}`,
    );
    console.log(`screenshot: ${await screenshot(page, 'semantic-similarity')}`);
    expect(pageErrors).toEqual([]);
  });
});
