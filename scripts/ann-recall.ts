/**
 * Recall and latency of the approximate vector index (usearch HNSW) against exact search (sqlite-vec),
 * on a reproducible synthetic set above the exact-search limit, through the SQLite store the server
 * uses: the same stored vectors, searched once by each engine.
 *
 *   npm run ann-recall                                          # 50 000 vectors × 384 dimensions, 200 queries, k 1/10
 *   npm run ann-recall -- --vectors 100000 --dimensions 768 --queries 100
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../server/db/orm.ts';
import { EXACT_SEARCH_LIMIT } from '../server/engine/retrieval/approximate-index.ts';
import { measureRecall, syntheticVectors } from '../server/engine/retrieval/ann-recall.ts';
import { SqliteVectorIndexStore } from '../server/experiments/sqlite-vector-index.ts';

const { values: args } = parseArgs({
  options: {
    vectors: { type: 'string', default: '50000' },
    dimensions: { type: 'string', default: '384' },
    queries: { type: 'string', default: '200' },
    k: { type: 'string', default: '1,10' },
    seed: { type: 'string', default: '7' },
  },
});
const count = Number(args.vectors);
const dimensions = Number(args.dimensions);
const ks = args.k.split(',').map(Number);

const all = syntheticVectors(count + Number(args.queries), dimensions, Number(args.seed));
const passages = all.slice(0, count);
const queries = all.slice(count);
const key = { knowledgeBaseHash: 'synthetic', embeddingModel: `synthetic-${dimensions}` };

const scratch = mkdtempSync(join(tmpdir(), 'llmforge-ann-'));
const orm = await openDatabase(join(scratch, 'ann.db'));
try {
  const store = new SqliteVectorIndexStore(orm);
  let start = performance.now();
  const approximate = await store.create(key, passages);
  const buildMs = performance.now() - start;
  // The same stored vectors, searched exactly: a store whose exact limit is above the set.
  const exact = await new SqliteVectorIndexStore(orm, { exactSearchLimit: count }).open(key);
  start = performance.now();
  const reopened = await new SqliteVectorIndexStore(orm).open(key);
  const reopenMs = performance.now() - start;
  if (!exact || !reopened) throw new Error('the stored index was not found again');
  console.log(
    `${count} vectors × ${dimensions} dimensions (synthetic, seed ${args.seed}), ${queries.length} queries; exact search limit ${EXACT_SEARCH_LIMIT}`,
  );
  console.log(
    `approximate: ${approximate.engine}, built with the sqlite-vec table in ${(buildMs / 1000).toFixed(1)} s; reopened from its file in ${reopenMs.toFixed(0)} ms`,
  );
  console.log(`exact: ${exact.engine}\n`);
  console.log('| k | recall@k | exact ms/query | approximate ms/query | speed-up |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const k of ks) {
    const report = await measureRecall(exact, reopened, queries, k);
    console.log(
      `| ${k} | ${report.recall.toFixed(4)} | ${report.exactMs.toFixed(2)} | ${report.approximateMs.toFixed(3)} | ${(report.exactMs / report.approximateMs).toFixed(0)}× |`,
    );
  }
} finally {
  await orm.close(true);
  rmSync(scratch, { recursive: true, force: true });
}
