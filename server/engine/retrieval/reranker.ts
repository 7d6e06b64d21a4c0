import { postJson } from '../providers/openai-compatible.ts';
import { ProviderCallError } from '../providers/provider-error.ts';
import { callWithRetry, type RetryPolicy } from '../providers/retry.ts';
import type { ConcurrencyWindow } from '../providers/adaptive-limiter.ts';
import { tokenize } from './tokenize.ts';

/** Scores (query, passage) pairs jointly, as a cross-encoder does: one relevance score per passage, higher is better. */
export interface Reranker {
  readonly identity: string;
  score(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]>;
}

/**
 * The offline reranker: not a model. It reads query and passage together, as a cross-encoder would,
 * and scores the share of the query's words the passage contains (each weighted by its length, a
 * cheap stand-in for informativeness) plus a bonus for query word pairs that appear side by side.
 */
export class SimulatedReranker implements Reranker {
  readonly identity = 'simulated:lexical-overlap';

  async score(query: string, passages: readonly string[]): Promise<number[]> {
    const queryWords = [...new Set(tokenize(query))];
    const queryPairs = pairs(tokenize(query));
    const total = queryWords.reduce((sum, word) => sum + word.length, 0) || 1;
    return passages.map((passage) => {
      const words = tokenize(passage);
      const present = new Set(words);
      const covered =
        queryWords.reduce((sum, word) => sum + (present.has(word) ? word.length : 0), 0) / total;
      const passagePairs = new Set(pairs(words));
      const adjacent =
        queryPairs.length === 0
          ? 0
          : queryPairs.filter((pair) => passagePairs.has(pair)).length / queryPairs.length;
      return Math.round((0.8 * covered + 0.2 * adjacent) * 1e6) / 1e6;
    });
  }
}

function pairs(words: readonly string[]): string[] {
  return words.slice(1).map((word, i) => `${words[i]} ${word}`);
}

/**
 * A `/rerank` endpoint as served by Text Embeddings Inference, vLLM, Infinity and others:
 * `{ query, texts }` → `[{ index, score }]`, through the shared retry layer.
 */
export class HttpReranker implements Reranker {
  readonly identity: string;
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly model: string,
    private readonly apiKey: string | null,
    private readonly policy: RetryPolicy,
    private readonly limiter: ConcurrencyWindow | null,
  ) {
    this.url = `${baseUrl.replace(/\/+$/, '')}/rerank`;
    this.identity = `${baseUrl}:${model}`;
  }

  async score(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const { value } = await callWithRetry(
      (attemptSignal) => this.send(query, passages, attemptSignal),
      {
        policy: this.policy,
        limiter: this.limiter,
        signal,
      },
    );
    return value;
  }

  private async send(
    query: string,
    passages: readonly string[],
    signal: AbortSignal,
  ): Promise<number[]> {
    const body = await postJson(
      this.url,
      this.apiKey,
      { model: this.model, query, texts: passages },
      signal,
    );
    // TEI answers a bare list; Cohere/Jina-style servers wrap it in `results` with `relevance_score`.
    const items = Array.isArray(body) ? body : (body as { results?: unknown } | undefined)?.results;
    if (!Array.isArray(items))
      throw new ProviderCallError(
        'the reranker answered without a list of { index, score }',
        'invalid_response',
      );
    const scores = new Array<number>(passages.length).fill(Number.NEGATIVE_INFINITY);
    for (const item of items as { index?: unknown; score?: unknown; relevance_score?: unknown }[]) {
      const score = typeof item.score === 'number' ? item.score : item.relevance_score;
      if (
        typeof item.index !== 'number' ||
        typeof score !== 'number' ||
        item.index < 0 ||
        item.index >= passages.length
      ) {
        throw new ProviderCallError(
          'the reranker answered with an item that is not { index, score }',
          'invalid_response',
        );
      }
      scores[item.index] = score;
    }
    return scores;
  }
}
