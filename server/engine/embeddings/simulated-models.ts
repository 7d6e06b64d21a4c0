/** The offline models, by name. Kept free of imports: the configuration validator reads them. */

/** Lexical feature-hashing embeddings and their dimensions (see simulated-embedding.ts). */
export const SIMULATED_EMBEDDING_MODELS: Readonly<Record<string, number>> = {
  'lexical-hash-256': 256,
  'lexical-hash-384': 384,
};
export const DEFAULT_SIMULATED_EMBEDDING_MODEL = 'lexical-hash-384';

/** The offline reranker (see retrieval/reranker.ts). */
export const SIMULATED_RERANKER_MODELS = ['lexical-overlap'] as const;
