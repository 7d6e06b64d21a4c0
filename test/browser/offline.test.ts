import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type TestApp } from '../helpers/test-app.ts';
import { findChromium, screenshot, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();

/**
 * Every request to another host is blocked and recorded, as on a machine with no internet: the
 * playground and the dashboard must work from what the server itself serves.
 */
describe.skipIf(!chromiumPath)(
  'offline: GraphiQL and the dashboard with every non-local request blocked',
  () => {
    let web: WebClient;
    let t: TestApp;
    let page: Page;
    let baseUrl: string;
    let pageErrors: string[];
    const foreignRequests: string[] = [];

    beforeAll(async () => {
      web = await openWebClient(chromiumPath as string, {}, 20_000);
      ({ t, page, baseUrl, pageErrors } = web);
      const local = new URL(baseUrl).host;
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.protocol === 'data:' || url.protocol === 'blob:' || url.host === local)
          return route.continue();
        foreignRequests.push(url.href);
        return route.abort('internetdisconnected');
      });
    });

    afterAll(async () => {
      await web?.close();
    });

    it('should render GraphiQL, run the preloaded Launch operation and show its result', async () => {
      await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
      await page.waitForSelector('.graphiql-container');
      const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await editor.waitFor();
      // Monaco draws spaces as U+00A0; wait for the preloaded operations to be drawn.
      const editorText = async () =>
        ((await page.locator('.graphiql-query-editor .view-lines').textContent()) ?? '').replace(
          /\u00a0/g,
          ' ',
        );
      await page.waitForFunction(() =>
        document
          .querySelector('.graphiql-query-editor .view-lines')
          ?.textContent?.includes('Launch'),
      );
      expect(await editorText()).toContain('mutation Launch');

      await page.locator('.graphiql-execute-button').click();
      // Several operations are preloaded: GraphiQL asks which one to run.
      await page.getByRole('menuitem', { name: 'Launch' }).click();
      await page.waitForFunction(() =>
        document
          .querySelector('.result-window .view-lines')
          ?.textContent?.includes('launchExperiment'),
      );
      const result = (
        (await page.locator('.result-window .view-lines').textContent()) ?? ''
      ).replace(/[\s\u00a0]+/g, ' ');
      expect(result).toMatch(
        /"launchExperiment": \{ "id": "[0-9a-f-]{36}", "status": "(QUEUED|RUNNING)" \}/,
      );
      console.log(`screenshot: ${await screenshot(page, 'graphiql-offline')}`);

      const { data } = await t.gql<{ experiments: { nodes: { name: string }[] } }>(
        '{ experiments { nodes { name } } }',
      );
      expect(data!.experiments.nodes.map((node) => node.name)).toEqual(['naive-trivia']);
      expect(foreignRequests).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it('should run a subscription from GraphiQL (SSE, served by the server itself)', async () => {
      const id = await launch(t, 'graphiql-sub', {
        datasetName: 'sample',
        provider: { kind: 'SIMULATED', latencyMs: 0 },
      });
      await t.waitForEnd(id);
      await t.app.eventStore.flush();
      const last = t.app.bus.lastSeqOf(id);
      await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
      await page.waitForSelector('.graphiql-query-editor .view-line');
      await page.locator('.graphiql-query-editor .monaco-editor').first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(
        `subscription Replay { experimentEvents(experimentId: "${id}", after: 0) { __typename seq } }`,
      );
      await page.locator('.graphiql-execute-button').click();
      // The stream replays the whole log and ends with the final status; GraphiQL shows the last
      // payload. Earlier status events (QUEUED, RUNNING) are shown on the way: wait for the last seq.
      await page.waitForFunction(
        (seq) =>
          (document.querySelector('.result-window .view-lines')?.textContent ?? '')
            .replace(/[\s\u00a0]+/g, ' ')
            .includes(`"seq": ${seq}`),
        last,
      );
      const result = (
        (await page.locator('.result-window .view-lines').textContent()) ?? ''
      ).replace(/[\s\u00a0]+/g, ' ');
      expect(result).toMatch(
        new RegExp(`"__typename": "ExperimentStatusChanged", "seq": ${last} `),
      );
      expect(foreignRequests).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it('should load the dashboard pages with zero requests to other hosts', async () => {
      const id = await launch(t, 'offline-run', {
        datasetName: 'sample',
        provider: { kind: 'SIMULATED', latencyMs: 0 },
      });
      await t.waitForEnd(id);
      for (const [path, selector] of [
        ['/', `[data-testid=experiment-row-${id}]`],
        ['/experiments/new', '[data-testid=experiment-form]'],
        ['/compare', '[data-testid=compare-page]'],
        [`/experiments/${id}`, '[data-testid=status]'],
      ] as const) {
        await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
        await page.waitForSelector(selector);
      }
      expect(foreignRequests).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  },
);
