import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type TestApp } from '../helpers/test-app.ts';
import { findChromium, screenshot, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();
const FAST = { kind: 'SIMULATED', latencyMs: 0 };

describe.skipIf(!chromiumPath)('prompts and regression gates in the web client', () => {
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

  it('should show two prompt versions side by side, and the verdict and manifest diff on the candidate’s page', async () => {
    await t.gql(
      `mutation { createPrompt(input: { name: "qa", template: "Answer briefly.\\nQuestion: {{question}}" }) { version } }`,
    );
    await t.gql(
      `mutation { createPromptVersion(input: { name: "qa", baseVersion: 1, template: "Answer in one word.\\nQuestion: {{question}}" }) { version } }`,
    );
    const base = {
      provider: FAST,
      datasetName: 'commonsense_qa',
      numSamples: 20,
      graders: [{ kind: 'CONTAINS' }],
    };
    const v1 = await launch(t, 'qa v1', { ...base, prompt: { name: 'qa', version: 1 } });
    const v2 = await launch(t, 'qa v2', { ...base, prompt: { name: 'qa', version: 2 } });
    expect([await t.waitForEnd(v1), await t.waitForEnd(v2)]).toEqual(['COMPLETED', 'COMPLETED']);

    await page.goto(`${baseUrl}/prompts`);
    await page.waitForSelector('[data-testid=prompt-diff]');
    expect(await page.locator('[data-testid=prompt-diff] .diff-removed').allTextContents()).toEqual(
      ['Answer briefly.'],
    );
    expect(await page.locator('[data-testid=prompt-diff] .diff-added').allTextContents()).toEqual([
      'Answer in one word.',
    ]);

    const { data } = await t.gql(
      `mutation ($c: ID!, $b: ID!) { checkRegression(input: { candidate: $c, baseline: $b }) { verdict } }`,
      { c: v2, b: v1 },
    );
    await page.goto(`${baseUrl}/experiments/${v2}`);
    await page.waitForSelector('[data-testid=verdict]');
    expect(await page.locator('[data-testid=verdict] strong').textContent()).toBe(
      data!.checkRegression.verdict,
    );
    const diff = await page.locator('[data-testid=manifest-diff] tbody tr').allTextContents();
    expect(diff).toContain('config.prompt.version12');
    expect(await page.locator('[data-testid=manifest-hash]').textContent()).toMatch(
      /^[0-9a-f]{16}$/,
    );
    expect(
      await page.locator('[data-testid=gates-panel] table.compact').first().textContent(),
    ).toContain('CONTAINS');
    console.log(`screenshot: ${await screenshot(page, 'regression-gate')}`);
    expect(pageErrors).toEqual([]);
  });
});
