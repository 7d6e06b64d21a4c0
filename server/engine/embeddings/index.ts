import type { ModelEndpointConfig } from '../experiment-config.ts';
import {
  huggingFaceToken,
  openAiKey,
  providerEndpoint,
  retryPolicy,
  type KeyDeps,
  type ProviderDeps,
} from '../providers/index.ts';
import {
  CachedReranker,
  HttpReranker,
  SimulatedReranker,
  type Reranker,
} from '../retrieval/reranker.ts';
import { Embedder, type EmbeddingCache } from './embedder.ts';
import { HuggingFaceEmbeddingTransport } from './huggingface-embeddings.ts';
import { HuggingFaceReranker } from './huggingface-reranker.ts';
import { OpenAiEmbeddingTransport } from './openai-embeddings.ts';
import { simulatedEmbedding } from './simulated-embedding.ts';
import { SIMULATED_EMBEDDING_MODELS } from './simulated-models.ts';

export type EmbeddingDeps = KeyDeps &
  Pick<ProviderDeps, 'limiters'> & {
    /** The app's vector cache; null to embed everything afresh. */
    cache: EmbeddingCache | null;
  };

/** The embedding model an experiment (or the hit-rate tool) names, with its cache and retry layer. */
export function createEmbedder(config: ModelEndpointConfig, deps: EmbeddingDeps): Embedder {
  const { provider, model } = config;
  const identity = `${providerEndpoint(provider) ?? 'simulated'}:${model}`;
  switch (provider.kind) {
    case 'SIMULATED': {
      const dimensions = SIMULATED_EMBEDDING_MODELS[model];
      if (dimensions === undefined)
        throw new RangeError(`unknown simulated embedding model "${model}"`);
      return new Embedder(
        identity,
        model,
        { kind: 'local', embed: (text) => simulatedEmbedding(text, dimensions) },
        deps.cache,
      );
    }
    case 'OPENAI_COMPATIBLE': {
      const transport = new OpenAiEmbeddingTransport(provider.baseUrl, openAiKey(provider, deps));
      return new Embedder(
        identity,
        model,
        {
          kind: 'remote',
          transport,
          policy: retryPolicy(provider),
          limiter: deps.limiters.for(provider.baseUrl),
        },
        deps.cache,
      );
    }
    case 'HUGGINGFACE': {
      const transport = new HuggingFaceEmbeddingTransport(
        provider,
        huggingFaceToken(provider, deps),
      );
      const limiter = deps.limiters.for(providerEndpoint(provider) as string);
      return new Embedder(
        identity,
        model,
        { kind: 'remote', transport, policy: retryPolicy(provider), limiter },
        deps.cache,
      );
    }
  }
}

/**
 * The reranker of RERANKED: the offline one, a `/rerank` endpoint, or a Hugging Face cross-encoder
 * (text classification of (query, passage) pairs). Remote scores are cached like embeddings.
 */
export function createReranker(config: ModelEndpointConfig, deps: EmbeddingDeps): Reranker {
  const { provider, model } = config;
  const identity = `${providerEndpoint(provider) ?? 'simulated'}:${model}`;
  const cached = (reranker: Reranker) =>
    deps.cache ? new CachedReranker(reranker, deps.cache) : reranker;
  switch (provider.kind) {
    case 'SIMULATED':
      return new SimulatedReranker();
    case 'OPENAI_COMPATIBLE':
      return cached(
        new HttpReranker(
          provider.baseUrl,
          model,
          openAiKey(provider, deps),
          retryPolicy(provider),
          deps.limiters.for(provider.baseUrl),
        ),
      );
    case 'HUGGINGFACE':
      return cached(
        new HuggingFaceReranker(
          identity,
          provider,
          model,
          huggingFaceToken(provider, deps),
          retryPolicy(provider),
          deps.limiters.for(providerEndpoint(provider) as string),
        ),
      );
  }
}
