import { readdirSync } from 'node:fs';
import { graphFileName } from '../../server/experiments/sqlite-vector-index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const FAST = { kind: 'SIMULATED', latencyMs: 0 };
const MODEL = 'standin-embed';

const SAMPLE_FIELDS = `error timings { phase ms }
  retrieval { retrieval topK embeddingModel reranker passages { id rank score stages { stage rank score } } }`;

interface Sample {
  error: string | null;
  timings: { phase: string; ms: number }[];
  retrieval: {
    retrieval: string;
    embeddingModel: string | null;
    reranker: string | null;
    passages: {
      id: string;
      rank: number;
      score: number;
      stages: { stage: string; rank: number | null; score: number | null }[];
    }[];
  } | null;
}

describe('dense retrieval through the GraphQL API', () => {
  let t: TestApp;
  let standin: StandinServer;
  beforeAll(async () => {
    [t, standin] = await Promise.all([
      createTestApp(),
      startStandinServer({ retryAfterMs: 5, models: [MODEL] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  interface Run {
    status: string;
    metrics: { samples: number; failed: number; accuracyAny: number };
    profile: { profilingSummary: { phase: string; count: number }[] };
    samples: Sample[];
  }

  async function run(name: string, rag: Record<string, unknown>, numSamples = 20): Promise<Run> {
    const id = await launch(t, name, {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples,
      provider: FAST,
      rag,
    });
    const status = await t.waitForEnd(id);
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { metrics { samples failed accuracyAny }
        profile { profilingSummary { phase count } } samples(first: 100) { nodes { ${SAMPLE_FIELDS} } } } }`,
      { id },
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    const { metrics, profile, samples } = result.data!.experiment;
    return { status, metrics, profile, samples: samples.nodes as Sample[] };
  }

  const remoteEmbedding = () => ({
    provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url, maxAttempts: 4 },
    model: MODEL,
  });

  it('should embed through /v1/embeddings in batches, retry 429 and 503, and send nothing the second time', async () => {
    standin.setOptions({ embeddingFailures: [429, 503] });
    const first = await run('dense remote', {
      retrieval: 'DENSE',
      topK: 3,
      embedding: remoteEmbedding(),
    });
    expect(first.status).toBe('COMPLETED');
    expect(first.metrics.failed).toBe(0);
    expect(standin.stats.rateLimited).toBe(1);
    expect(standin.stats.serverErrors).toBe(1);
    // The built-in corpus's passages go in batches of at most 64, then one request per question.
    const passageBatches = standin.stats.embeddingBatches.filter((size) => size > 1);
    expect(passageBatches.every((size) => size <= 64)).toBe(true);
    expect(passageBatches.length).toBeGreaterThanOrEqual(2);
    expect(standin.stats.embeddingBatches.filter((size) => size === 1)).toHaveLength(20);
    expect(first.profile.profilingSummary.find((p) => p.phase === 'embedding')?.count).toBe(20);
    const [sample] = first.samples;
    expect(sample!.retrieval!.embeddingModel).toBe(`OPENAI_COMPATIBLE:${MODEL}`);
    expect(sample!.retrieval!.passages.map((p) => p.rank)).toEqual([1, 2, 3]);
    expect(sample!.retrieval!.passages[0]!.stages).toEqual([
      { stage: 'dense', rank: 1, score: sample!.retrieval!.passages[0]!.score },
    ]);

    const before = standin.stats.embeddingRequests;
    const second = await run('dense remote again', {
      retrieval: 'DENSE',
      topK: 3,
      embedding: remoteEmbedding(),
    });
    expect(second.status).toBe('COMPLETED');
    expect(standin.stats.embeddingRequests - before).toBe(0);
    expect(second.samples.map((s) => s.retrieval!.passages.map((p) => p.id))).toEqual(
      first.samples.map((s) => s.retrieval!.passages.map((p) => p.id)),
    );
  });

  it('should build the vector index once per (knowledge base, model) and keep it in the SQLite file', async () => {
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select embedding_model, dimensions from vector_indexes order by id');
    expect(rows).toEqual([{ embedding_model: `${standin.url}:${MODEL}`, dimensions: 384 }]);
  });

  it('should fuse BM25 and dense for HYBRID and rerank for RERANKED, with every stage in the trace', async () => {
    const hybrid = await run('hybrid', { retrieval: 'HYBRID', topK: 3 }, 5);
    const reranked = await run('reranked', { retrieval: 'RERANKED', topK: 3 }, 5);
    expect(hybrid.metrics.failed).toBe(0);
    expect(reranked.metrics.failed).toBe(0);
    expect(hybrid.samples[0]!.retrieval!.passages[0]!.stages.map((s) => s.stage)).toEqual([
      'dense',
      'bm25',
    ]);
    expect(reranked.samples[0]!.retrieval!.passages[0]!.stages.map((s) => s.stage)).toEqual([
      'dense',
      'bm25',
      'fused',
    ]);
    expect(reranked.samples[0]!.retrieval!.reranker).toBe('SIMULATED:lexical-overlap');
    expect(reranked.profile.profilingSummary.map((p) => p.phase)).toContain('rerank');
  });

  it('should refuse an unknown simulated embedding model at creation, storing nothing', async () => {
    const create = (rag: Record<string, unknown>) =>
      t.gql(
        `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
        {
          input: {
            name: 'bad',
            config: { reasoningMethod: 'RAG', datasetName: 'knowledge_base', rag },
          },
        },
      );
    const count = async () =>
      (await t.gql('{ experiments(first: 100) { totalCount } }')).data!.experiments.totalCount;
    const before = await count();
    const unknown = await create({ retrieval: 'DENSE', embedding: { model: 'no-such-model' } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'config.rag.embedding.model',
    });
    expect(unknown.errors?.[0]?.message).toContain(
      'unknown simulated model "no-such-model" (known: lexical-hash-256, lexical-hash-384)',
    );
    const reranker = await create({ retrieval: 'RERANKED', reranker: { model: 'no-such' } });
    expect(reranker.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'config.rag.reranker.model',
    });
    expect(await count()).toBe(before);
  });

  it('should rerank with a Hugging Face cross-encoder by text classification, retrying 429 and 503, and send nothing the second time', async () => {
    const reranker = {
      provider: {
        kind: 'HUGGINGFACE',
        endpointUrl: `${standin.origin}/classify`,
        maxAttempts: 4,
      },
      model: 'cross-encoder/ms-marco-MiniLM-L-6-v2',
    };
    standin.setOptions({ classifyFailures: [429, 503] });
    const before = { ...standin.stats };
    const first = await run('hf reranker', { retrieval: 'RERANKED', topK: 3, reranker }, 2);
    expect(first.metrics.failed).toBe(0);
    expect(standin.stats.rateLimited - before.rateLimited).toBe(1);
    expect(standin.stats.serverErrors - before.serverErrors).toBe(1);
    // One request per (question, candidate) pair, plus the two that were refused and retried.
    const pairs = standin.stats.classifyRequests - before.classifyRequests - 2;
    expect(pairs).toBeGreaterThanOrEqual(2 * 3);
    expect(first.samples[0]!.retrieval!.reranker).toBe(
      'HUGGINGFACE:cross-encoder/ms-marco-MiniLM-L-6-v2',
    );
    const stages = first.samples[0]!.retrieval!.passages[0]!.stages.map((s) => s.stage);
    expect(stages).toEqual(['dense', 'bm25', 'fused']);

    const again = standin.stats.classifyRequests;
    const second = await run('hf reranker again', { retrieval: 'RERANKED', topK: 3, reranker }, 2);
    expect(standin.stats.classifyRequests).toBe(again);
    expect(second.samples.map((s) => s.retrieval!.passages.map((p) => p.id))).toEqual(
      first.samples.map((s) => s.retrieval!.passages.map((p) => p.id)),
    );
  });

  it('should fail the samples clearly when a remote model is unknown or a reranker fails', async () => {
    const unknownModel = await run(
      'unknown remote model',
      { retrieval: 'DENSE', embedding: { ...remoteEmbedding(), model: 'nope' } },
      2,
    );
    expect(unknownModel.metrics.failed).toBe(2);
    expect(unknownModel.samples[0]!.error).toContain('The model `nope` does not exist');

    // No silent fallback to the unreranked order: a comparison must never mix reranked and unreranked samples.
    const reranker = {
      provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.origin, maxAttempts: 2 },
      model: 'rr',
    };
    const reranked = await run('remote reranker', { retrieval: 'RERANKED', reranker }, 2);
    expect(reranked.metrics.failed).toBe(0);
    expect(standin.stats.rerankRequests).toBe(2);
    standin.setOptions({ quotaExhausted: true });
    // Another model: the first one's scores for these questions are cached and would need no request.
    const rerankFails = await run(
      'reranker fails',
      { retrieval: 'RERANKED', reranker: { ...reranker, model: 'rr-2' } },
      2,
    );
    standin.setOptions({ quotaExhausted: false });
    expect(rerankFails.metrics.failed).toBe(2);
    expect(rerankFails.samples[0]!.error).toContain('You exceeded your current quota');
  });
});

describe('a stored vector index and a model whose dimensions changed', () => {
  it('should send nothing after a restart, and fail each sample naming the mismatch once the model changes', async () => {
    const standin = await startStandinServer({ models: [MODEL] });
    const rag = {
      retrieval: 'DENSE',
      topK: 2,
      embedding: { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url }, model: MODEL },
    };
    const config = {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples: 2,
      provider: FAST,
      rag,
    };
    const first = await createTestApp();
    try {
      expect(await first.waitForEnd(await launch(first, 'builds the index', config))).toBe(
        'COMPLETED',
      );
      await first.dispose({ keepDatabase: true });
      const second = await createTestApp({ databasePath: first.databasePath });
      try {
        // After the restart the same run sends no embedding request: the index and the question vectors are in the file.
        const before = standin.stats.embeddingRequests;
        expect(
          await second.waitForEnd(await launch(second, 'same run after restart', config)),
        ).toBe('COMPLETED');
        expect(standin.stats.embeddingRequests).toBe(before);
        standin.setOptions({ embeddingDimensions: 256 });
        // Other questions: those of the first run have their (384-dimensional) vectors in the durable cache.
        const id = await launch(second, 'model changed', { ...config, datasetName: 'react_bench' });
        await second.waitForEnd(id);
        const result = await second.gql(
          `query ($id: ID!) { experiment(id: $id) { metrics { failed } samples(first: 5) { nodes { error } } } }`,
          { id },
        );
        expect(result.data!.experiment.metrics.failed).toBe(2);
        expect(result.data!.experiment.samples.nodes[0].error).toContain(
          'holds 384-dimensional vectors, but the model now returns 256-dimensional ones',
        );
      } finally {
        await second.dispose();
      }
    } finally {
      await standin.close();
    }
  });
});

describe('vector indexes built once, at import or on first use', () => {
  let t: TestApp;
  let standin: StandinServer;
  beforeAll(async () => {
    // A low exact-search limit, so the built-in corpus (and any imported one) is searched approximately.
    [t, standin] = await Promise.all([
      createTestApp({ exactSearchLimit: 10 }),
      startStandinServer({ models: [MODEL] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t.dispose(), standin.close()]);
  });

  const embedding = () => ({
    provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
    model: MODEL,
  });
  const dense = (name: string, knowledgeBase: string, numSamples: number) =>
    launch(t, name, {
      datasetName: 'knowledge_base',
      reasoningMethod: 'RAG',
      numSamples,
      provider: FAST,
      rag: { retrieval: 'DENSE', topK: 3, knowledgeBase, embedding: embedding() },
    });
  const chunkCount = async (name: string) =>
    (await t.gql('{ knowledgeBases { name chunkCount } }')).data!.knowledgeBases.find(
      (k: { name: string }) => k.name === name,
    )?.chunkCount as number | undefined;

  const builtinHash = async () =>
    (await t.gql('{ knowledgeBases { name contentHash } }')).data!.knowledgeBases.find(
      (k: { name: string }) => k.name === 'builtin',
    ).contentHash as string;

  it('should embed the passages once when two runs need the same new index at the same time, and search it approximately', async () => {
    const [a, b] = await Promise.all([
      dense('first use A', 'builtin', 3),
      dense('first use B', 'builtin', 3),
    ]);
    expect(await Promise.all([t.waitForEnd(a), t.waitForEnd(b)])).toEqual([
      'COMPLETED',
      'COMPLETED',
    ]);
    const passages = (await chunkCount('builtin')) as number;
    // Every passage once; the rest are the questions, one text per request (both runs ask the same three).
    const passageTexts = standin.stats.embeddingBatches
      .filter((size) => size > 1)
      .reduce((sum, size) => sum + size, 0);
    expect(passageTexts).toBe(passages);
    expect(standin.stats.embeddedTexts - passageTexts).toBeLessThanOrEqual(6);
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select id, passage_count from vector_indexes');
    expect(rows).toEqual([{ id: 1, passage_count: passages }]);
    expect(readdirSync(`${t.databasePath}.vectors`)).toEqual([
      graphFileName({
        knowledgeBaseHash: await builtinHash(),
        embeddingModel: `${standin.url}:${MODEL}`,
      }),
    ]);
    const result = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { metrics { failed } samples(first: 3) { nodes { retrieval { passages { rank } } } } } }`,
      { id: a },
    );
    expect(result.data!.experiment.metrics.failed).toBe(0);
    expect(
      result.data!.experiment.samples.nodes[0].retrieval.passages.map(
        (p: { rank: number }) => p.rank,
      ),
    ).toEqual([1, 2, 3]);
  });

  const importKb = (input: Record<string, unknown>) =>
    t.gql(
      `mutation ($input: ImportKnowledgeBaseInput!) { importKnowledgeBase(input: $input) { name chunkCount contentHash } }`,
      {
        input: {
          format: 'JSON',
          chunkSize: 16,
          chunkOverlap: 0,
          content: JSON.stringify(
            Array.from({ length: 8 }, (_, i) => ({
              title: `Article ${i}`,
              text: `Article ${i} is about the topic number ${i}. `.repeat(6),
            })),
          ),
          ...input,
        },
      },
    );

  it('should build the index while importing a knowledge base with an embedding model, so its first run embeds only the questions', async () => {
    const before = standin.stats.embeddedTexts;
    const imported = await importKb({ name: 'with-index', embedding: embedding() });
    expect(imported.errors).toBeUndefined();
    const passages = imported.data!.importKnowledgeBase.chunkCount as number;
    expect(standin.stats.embeddedTexts - before).toBe(passages);
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select knowledge_base_hash, passage_count from vector_indexes where id = 2');
    expect(rows).toEqual([
      {
        knowledge_base_hash: imported.data!.importKnowledgeBase.contentHash,
        passage_count: passages,
      },
    ]);
    const afterImport = standin.stats.embeddedTexts;
    const id = await dense('after import', 'with-index', 2);
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    // Two questions, no passage.
    expect(standin.stats.embeddedTexts - afterImport).toBeLessThanOrEqual(2);
  });

  it('should refuse an import whose embedding model is unknown or cannot embed, storing nothing', async () => {
    const unknown = await importKb({ name: 'bad-model', embedding: { model: 'no-such-model' } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'embedding.model',
    });
    const remote = await importKb({
      name: 'remote-fails',
      embedding: { ...embedding(), model: 'nope' },
    });
    expect(remote.errors?.[0]?.extensions).toMatchObject({ code: 'INDEX_BUILD_FAILED' });
    expect(remote.errors?.[0]?.message).toContain('The model `nope` does not exist');
    expect(await chunkCount('bad-model')).toBeUndefined();
    expect(await chunkCount('remote-fails')).toBeUndefined();
    expect(
      await t.app.orm.em
        .fork()
        .getConnection()
        .execute(
          `select count(*) as n from knowledge_bases where name in ('bad-model', 'remote-fails')`,
        ),
    ).toEqual([{ n: 0 }]);
  });
});
