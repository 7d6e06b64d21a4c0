import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/test-app.ts';
import { findChromium, openWebClient, type WebClient } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)(
  'the retrieval models in the new-experiment form, in Chromium',
  () => {
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

    it('should send the embedding model and reranker chosen in the RAG part, and show them on the experiment page', async () => {
      await page.goto(`${baseUrl}/experiments/new`);
      await page.fill('[name=name]', 'browser-reranked');
      await page.selectOption('[name=reasoningMethod]', 'RAG');
      // BM25 needs no model: the fields appear with a dense method.
      expect(await page.locator('[name=embeddingProvider]').count()).toBe(0);
      await page.selectOption('[name=retrieval]', 'RERANKED');
      await page.selectOption('[name=embeddingModel]', 'lexical-hash-256');
      await page.selectOption('[name=rerankerProvider]', 'OPENAI_COMPATIBLE');
      await page.fill('[name=rerankerModel]', 'bge-reranker-base');
      // A missing base URL is refused beside its field, before anything is sent.
      await page.click('[data-testid=create]');
      expect(
        await page.textContent('[data-testid="error-config.rag.reranker.provider.baseUrl"]'),
      ).toBe('must not be empty');
      await page.fill('[name=rerankerEndpoint]', 'http://127.0.0.1:8080/v1');
      await page.click('[data-testid=create]');
      await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop() as string;
      await page.waitForSelector('[data-testid=config-reranker]');
      expect(await page.textContent('[data-testid=config-embedding]')).toBe(
        'lexical-hash-256 · SIMULATED',
      );
      expect(await page.textContent('[data-testid=config-reranker]')).toBe(
        'bge-reranker-base · OPENAI_COMPATIBLE (http://127.0.0.1:8080/v1)',
      );
      const stored = await t.gql(
        `query ($id: ID!) { experiment(id: $id) { config { rag { retrieval
        embedding { model provider { kind } } reranker { model provider { kind baseUrl } } } } } }`,
        { id },
      );
      expect(stored.data!.experiment.config.rag).toEqual({
        retrieval: 'RERANKED',
        embedding: { model: 'lexical-hash-256', provider: { kind: 'SIMULATED' } },
        reranker: {
          model: 'bge-reranker-base',
          provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8080/v1' },
        },
      });
      expect(pageErrors).toEqual([]);
    });
  },
);
