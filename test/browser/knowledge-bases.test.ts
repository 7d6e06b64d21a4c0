import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import {
  buildClient,
  findChromium,
  launchChromium,
  screenshot,
  watchPageErrors,
} from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('generating questions in the web client', () => {
  let t: TestApp;
  let client: Awaited<ReturnType<typeof buildClient>>;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let pageErrors: string[];

  beforeAll(async () => {
    [client, browser] = await Promise.all([buildClient(), launchChromium(chromiumPath as string)]);
    t = await createTestApp({}, { clientDir: client.dir });
    baseUrl = await t.app.start();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    pageErrors = watchPageErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
    client?.remove();
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
