import type { EmbeddingCache } from '../embeddings/embedder.ts';
import { sha256Hex } from '../hashing.ts';
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

/**
 * A remote reranker's scores kept in the app's vector cache (memory, then the durable response-cache
 * tier), keyed by (reranker, query, passage): a re-run reranks without a request. Scores are float32
 * (as cached), fresh or not, so a cached run orders passages exactly as the first one did.
 */
export class CachedReranker implements Reranker {
  readonly identity: string;

  constructor(
    private readonly inner: Reranker,
    private readonly cache: EmbeddingCache,
  ) {
    this.identity = inner.identity;
  }

  async score(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const keys = passages.map((passage) =>
      sha256Hex(`rerank\u0000${this.identity}\u0000${query}\u0000${passage}`),
    );
    const scores = (await Promise.all(keys.map((key) => this.cache.get(key)))).map(
      (cached) => cached?.[0],
    );
    const missing = scores.flatMap((score, index) => (score === undefined ? [index] : []));
    if (missing.length > 0) {
      const fresh = await this.inner.score(
        query,
        missing.map((index) => passages[index] as string),
        signal,
      );
      missing.forEach((index, offset) => {
        const score = Math.fround(fresh[offset] as number);
        scores[index] = score;
        this.cache.set(keys[index] as string, Float32Array.of(score));
      });
    }
    return scores as number[];
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
