/**
 * Hit rate of the answer-bearing passage at topK 1/3/5 for BM25, DENSE, HYBRID and RERANKED, in one
 * table. By default on the predecessor-shaped fixtures (51 articles, 50 questions) with the simulated
 * embedding and reranker, vectors in a sqlite-vec index in a scratch SQLite file.
 *
 *   npm run hit-rate                                   # simulated models, fixtures
 *   npm run hit-rate -- --chunk-size 64 --overlap 16   # another chunking
 *   npm run hit-rate -- --embedding-url http://127.0.0.1:8000 --embedding-model m   # an OpenAI-compatible /v1/embeddings
 *   npm run hit-rate -- --database ./data/llmforge.db  # keep the vector index and the embeddings (a re-run sends none)
 *   npm run hit-rate -- --exact-search-limit 50        # search the 121-passage index approximately (usearch HNSW)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../server/db/orm.ts';
import { parseImportedExamples } from '../server/engine/datasets/import.ts';
import { EmbeddingCache } from '../server/engine/embeddings/embedder.ts';
import { createEmbedder, createReranker } from '../server/engine/embeddings/index.ts';
import { DEFAULTS, type ModelEndpointConfig } from '../server/engine/experiment-config.ts';
import { LimiterRegistry } from '../server/engine/providers/adaptive-limiter.ts';
import { measureHitRates } from '../server/engine/retrieval/hit-rate.ts';
import {
  knowledgeBaseHash,
  parseKnowledgeDocuments,
  validateChunking,
} from '../server/engine/retrieval/knowledge-base-import.ts';
import { KnowledgeBase } from '../server/engine/retrieval/knowledge-base.ts';
import { Retriever } from '../server/engine/retrieval/retriever.ts';
import { RETRIEVAL_METHODS } from '../server/engine/types.ts';
import { PersistentResponseCache } from '../server/experiments/persistent-cache.ts';
import { SqliteVectorIndexStore } from '../server/experiments/sqlite-vector-index.ts';
import { createLogger } from '../server/logger.ts';
import { DEFAULT_CACHE_MAX_ROWS } from '../server/server-config.ts';

const FIXTURES = new URL('../test/fixtures/predecessor/', import.meta.url);
const KS = [1, 3, 5];

const { values: args } = parseArgs({
  options: {
    articles: { type: 'string', default: new URL('articles.json', FIXTURES).pathname },
    questions: { type: 'string', default: new URL('knowledge_base_qa.json', FIXTURES).pathname },
    'chunk-size': { type: 'string', default: '64' },
    overlap: { type: 'string', default: '16' },
    'embedding-url': { type: 'string' },
    'embedding-model': { type: 'string' },
    'reranker-url': { type: 'string' },
    'reranker-model': { type: 'string' },
    database: { type: 'string' },
    'exact-search-limit': { type: 'string' },
  },
});

const chunking = validateChunking(Number(args['chunk-size']), Number(args.overlap));
const documents = parseKnowledgeDocuments({
  format: 'JSON',
  content: readFileSync(args.articles, 'utf8'),
});
const examples = parseImportedExamples('JSON', readFileSync(args.questions, 'utf8'));
const knowledgeBase = new KnowledgeBase(documents, chunking);

const simulated = { kind: 'SIMULATED', latencyMs: 0, jitterMs: 0 } as const;
const remote = (baseUrl: string) =>
  ({ kind: 'OPENAI_COMPATIBLE', baseUrl, timeoutMs: 30_000, maxAttempts: 8 }) as const;
const embedding: ModelEndpointConfig = args['embedding-url']
  ? { provider: remote(args['embedding-url']), model: args['embedding-model'] ?? 'embedding' }
  : { provider: simulated, model: args['embedding-model'] ?? DEFAULTS.embeddingModel };
const reranking: ModelEndpointConfig = args['reranker-url']
  ? { provider: remote(args['reranker-url']), model: args['reranker-model'] ?? 'reranker' }
  : { provider: simulated, model: DEFAULTS.rerankerModel };

const scratch = args.database ? null : mkdtempSync(join(tmpdir(), 'llmforge-hit-rate-'));
const orm = await openDatabase(args.database ?? join(scratch as string, 'hit-rate.db'));
try {
  const durable = new PersistentResponseCache(orm, createLogger('warn'), {
    maxRows: DEFAULT_CACHE_MAX_ROWS,
  });
  const models = {
    cache: new EmbeddingCache(durable),
    limiters: new LimiterRegistry(),
    secrets: { register: () => {} },
    apiKey: process.env.LLMFORGE_EMBEDDING_KEY ?? null,
  };
  const embedder = createEmbedder(embedding, models);
  const vectors = new SqliteVectorIndexStore(orm, {
    exactSearchLimit: args['exact-search-limit'] ? Number(args['exact-search-limit']) : undefined,
  });
  const retriever = new Retriever({
    knowledgeBase,
    contentHash: knowledgeBaseHash(documents, chunking),
    embedder,
    vectors,
    reranker: createReranker(reranking, models),
  });
  const index = await retriever.prepare();
  const { rows, answerable, questions } = await measureHitRates(
    retriever,
    knowledgeBase.passages,
    examples,
    RETRIEVAL_METHODS,
    KS,
  );
  console.log(
    `${documents.length} documents → ${knowledgeBase.passages.length} passages (${chunking.chunkSize}-word chunks, ${chunking.chunkOverlap} overlap); ` +
      `${answerable} of ${questions} questions have an answer-bearing passage`,
  );
  console.log(
    `embedding ${embedder.identity} (${index.dimensions} dimensions), vector index: ${index.engine} (${index.size} vectors); reranker ${reranking.provider.kind}:${reranking.model}\n`,
  );
  console.log(`| method | ${KS.map((k) => `hit@${k}`).join(' | ')} | MRR@${Math.max(...KS)} |`);
  console.log(`|---|${KS.map(() => '---:').join('|')}|---:|`);
  for (const row of rows) {
    console.log(
      `| ${row.method} | ${KS.map((k) => (row.hitRate[k] ?? 0).toFixed(3)).join(' | ')} | ${row.mrr.toFixed(3)} |`,
    );
  }
  const { requests, texts, cacheHits, retries } = embedder.stats;
  console.log(
    `\nembedding requests ${requests} (${texts} texts embedded, ${cacheHits} from the cache, ${retries} retries)`,
  );
  await durable.flush();
} finally {
  await orm.close(true);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
