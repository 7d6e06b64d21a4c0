import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.ts';
import { findChromium, screenshot, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('generating questions in the web client', () => {
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

  it('should refuse an out-of-range field, then generate from the built-in corpus and show the live result', async () => {
    await page.goto(`${baseUrl}/knowledge-bases`);
    await page.waitForSelector('[data-testid=generate-form]');
    await page.fill('input[name=pairsPerChunk]', '9');
    await page.click('[data-testid=generate]');
    expect(await page.textContent('[data-testid=error-pairsPerChunk]')).toBe(
      'must be between 1 and 5',
    );
    await page.fill('input[name=pairsPerChunk]', '2');
    await page.fill('input[name=maxChunks]', '4');
    await page.fill('input[name=name]', 'builtin_qa');
    await page.click('[data-testid=generate]');
    await page.waitForSelector('[data-testid=generation][data-status=COMPLETED]');
    expect(await page.textContent('[data-testid=generated-dataset]')).toContain('builtin_qa');
    expect(await page.textContent('[data-testid=progress-label]')).toBe('4 / 4');
    expect(t.app.datasets.get('builtin_qa')?.kind).toBe('KNOWLEDGE');
    await screenshot(page, 'knowledge-bases-generated');
    expect(pageErrors).toEqual([]);
  });
});
