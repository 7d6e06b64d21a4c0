import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStandinServer, type StandinServer } from '../../scripts/standin-server.ts';
import { containsAnswer } from '../../server/engine/metrics/scoring.ts';
import { collect, readSse, wsClients } from '../helpers/subscriptions.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

/**
 * Synthetic datasets from a knowledge base: generated in the background, followed over a real
 * WebSocket, stored as an imported KNOWLEDGE dataset and evaluated with RAG at once — with the
 * simulated generator, through the stand-in OpenAI-compatible server, and against a server whose
 * replies are unusable.
 */
const ARTICLES = readFileSync(
  new URL('../fixtures/predecessor/articles.json', import.meta.url),
  'utf8',
);
const FAST = { kind: 'SIMULATED', latencyMs: 0 };

const GENERATE = `mutation ($kb: String!, $pairs: Int, $chunks: Int, $seed: Int, $generator: GeneratorInput, $name: String) {
  generateDataset(knowledgeBase: $kb, pairsPerChunk: $pairs, maxChunks: $chunks, seed: $seed, generator: $generator, name: $name) {
    id status datasetName chunksTotal chunksDone pairsAccepted pairsRejected dataset { name } } }`;
const FIELDS = `id seq status chunksTotal chunksDone pairsAccepted pairsRejected error datasetName
  rejections { reason count }
  usage { calls cacheHits retries tokensInput tokensOutput wallTimeMs }
  chunk { chunkId documentId accepted rejected { reason detail } }
  dataset { name kind size source }`;
const SUBSCRIBE = `subscription ($id: ID!, $after: Int) { datasetGeneration(id: $id, after: $after) { ${FIELDS} } }`;
const SAMPLES = `query ($id: ID!) { experiment(id: $id) {
  status metrics { accuracyAny }
  samples(first: 100) { nodes { exampleId correct parsedAnswer expectedAnswer metadata } } } }`;

interface GenerationEvent {
  id: string;
  seq: number;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  chunksTotal: number;
  chunksDone: number;
  pairsAccepted: number;
  pairsRejected: number;
  error: string | null;
  datasetName: string;
  rejections: { reason: string; count: number }[];
  usage: Record<string, number>;
  chunk: {
    chunkId: string;
    documentId: string;
    accepted: number;
    rejected: { reason: string; detail: string }[];
  } | null;
  dataset: { name: string; kind: string; size: number; source: string } | null;
}

describe('generateDataset', () => {
  let t: TestApp;
  let url: string;
  const clients = wsClients(() => url);
  const client = () => clients.client();

  async function generate(variables: Record<string, unknown>) {
    return t.gql(GENERATE, { kb: 'pred_articles', ...variables });
  }

  /** Starts a generation and follows it over the WebSocket to its end; returns every event. */
  async function generateAndFollow(variables: Record<string, unknown>): Promise<GenerationEvent[]> {
    const started = await generate(variables);
    expect(started.errors).toBeUndefined();
    expect(started.data!.generateDataset).toMatchObject({ status: 'RUNNING', chunksDone: 0 });
    const events = await collect<{ datasetGeneration: GenerationEvent }>(client(), SUBSCRIBE, {
      id: started.data!.generateDataset.id,
    });
    return events.map((e) => e.datasetGeneration);
  }

  async function examples(name: string) {
    const dataset = t.app.datasets.get(name)!;
    return Array.from({ length: dataset.size }, (_, i) => dataset.at(i));
  }

  async function datasetCount(): Promise<number> {
    return ((await t.gql('{ datasets { name } }')).data!.datasets as unknown[]).length;
  }

  beforeAll(async () => {
    t = await createTestApp();
    url = await t.app.start();
    const kb = await t.gql(
      `mutation ($input: ImportKnowledgeBaseInput!) { importKnowledgeBase(input: $input) { name chunkCount } }`,
      {
        input: {
          name: 'pred_articles',
          format: 'JSON',
          content: ARTICLES,
          chunkSize: 64,
          chunkOverlap: 16,
        },
      },
    );
    expect(kb.errors).toBeUndefined();
    expect(kb.data!.importKnowledgeBase.chunkCount).toBe(121);
  });
  afterEach(async () => {
    await clients.disposeAll();
  });
  afterAll(() => t.dispose());

  it('should generate 30 grounded pairs with the simulated generator, stream progress in order, and run RAG on them', async () => {
    const stream = await generateAndFollow({
      pairs: 3,
      chunks: 10,
      seed: 7,
      name: 'synthetic_pred',
    });

    expect(stream.map((e) => e.seq)).toEqual(stream.map((_, i) => i + 1));
    expect(stream.map((e) => e.chunksDone)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]);
    expect(stream.map((e) => e.status)).toEqual([...Array(11).fill('RUNNING'), 'COMPLETED']);
    expect(stream[0]!.chunk).toBeNull();
    expect(stream.slice(1, 11).every((e) => e.chunk !== null && e.chunk.accepted === 3)).toBe(true);
    const last = stream.at(-1)!;
    expect(last).toMatchObject({
      chunksTotal: 10,
      pairsAccepted: 30,
      pairsRejected: 0,
      error: null,
      dataset: { name: 'synthetic_pred', kind: 'KNOWLEDGE', size: 30, source: 'imported' },
    });
    expect(last.usage).toMatchObject({ calls: 10, cacheHits: 0, retries: 0 });
    expect(last.usage.tokensInput).toBeGreaterThan(0);
    console.log('simulated generation usage:', JSON.stringify(last.usage));

    // Every record is grounded in its chunk and says where it came from.
    const records = await examples('synthetic_pred');
    expect(records).toHaveLength(30);
    expect(new Set(records.map((r) => r.question.toLowerCase())).size).toBe(30);
    for (const record of records) {
      const metadata = record.metadata as Record<string, string>;
      expect(metadata).toMatchObject({ knowledgeBase: 'pred_articles' });
      expect(metadata.chunkId).toMatch(/#\d+$/);
      expect(containsAnswer(metadata.chunkText!, record)).toBe(true);
      expect(containsAnswer(record.question, record)).toBe(false);
    }
    console.log(
      'first generated pairs:',
      JSON.stringify(records.slice(0, 3).map((r) => [r.question, r.answer])),
    );

    // Usable by experiments at once: RAG over the same knowledge base.
    const rag = await launch(t, 'rag-on-synthetic', {
      datasetName: 'synthetic_pred',
      reasoningMethod: 'RAG',
      numSamples: 30,
      provider: FAST,
      rag: { knowledgeBase: 'pred_articles', retrieval: 'BM25', topK: 3 },
    });
    expect(await t.waitForEnd(rag)).toBe('COMPLETED');
    const naive = await launch(t, 'naive-on-synthetic', {
      datasetName: 'synthetic_pred',
      reasoningMethod: 'NAIVE',
      numSamples: 30,
      provider: FAST,
    });
    expect(await t.waitForEnd(naive)).toBe('COMPLETED');
    const ragResult = (await t.gql(SAMPLES, { id: rag })).data!.experiment;
    const naiveResult = (await t.gql(SAMPLES, { id: naive })).data!.experiment;
    expect(ragResult.samples.nodes).toHaveLength(30);
    expect(ragResult.samples.nodes[0].metadata).toHaveProperty('chunkId');
    console.log(
      `accuracy on synthetic_pred (30 pairs): RAG ${ragResult.metrics.accuracyAny}, NAIVE ${naiveResult.metrics.accuracyAny}`,
    );
    expect(ragResult.metrics.accuracyAny).toBeGreaterThan(naiveResult.metrics.accuracyAny);
    expect(ragResult.metrics.accuracyAny).toBeGreaterThanOrEqual(0.7);
  });

  it('should be deterministic and served from the response cache when generated again', async () => {
    const stream = await generateAndFollow({
      pairs: 3,
      chunks: 10,
      seed: 7,
      name: 'synthetic_pred_again',
    });
    expect(stream.at(-1)).toMatchObject({ status: 'COMPLETED', pairsAccepted: 30 });
    expect(stream.at(-1)!.usage).toMatchObject({ calls: 0, cacheHits: 10, tokensInput: 0 });
    const first = await examples('synthetic_pred');
    const again = await examples('synthetic_pred_again');
    expect(again.map((r) => [r.question, r.answer])).toEqual(
      first.map((r) => [r.question, r.answer]),
    );
  });

  it('should use every chunk when maxChunks exceeds them, store no duplicate, and serve a late SSE subscriber from the start', async () => {
    // More chunks asked for than the corpus has: all 121 are used.
    const started = await generate({ pairs: 2, chunks: 200, seed: 1, name: 'synthetic_all' });
    const id = started.data!.generateDataset.id;
    expect(started.data!.generateDataset.chunksTotal).toBe(121);
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUBSCRIBE, variables: { id, after: 0 } }),
    });
    const events: GenerationEvent[] = [];
    for await (const message of readSse(response)) {
      if (message.event === 'complete') break;
      events.push(message.data.data.datasetGeneration);
    }
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const last = events.at(-1)!;
    expect(last.status).toBe('COMPLETED');
    expect(last.chunksDone).toBe(121);
    expect(last.pairsAccepted).toBeGreaterThan(200);
    expect(last.dataset!.size).toBe(last.pairsAccepted);
    console.log(
      `all chunks: accepted ${last.pairsAccepted}, rejected ${last.pairsRejected} ${JSON.stringify(last.rejections)}`,
    );
    const stored = await examples('synthetic_all');
    expect(new Set(stored.map((r) => r.question.toLowerCase())).size).toBe(stored.length);
    // The query reads the same state.
    const queried = await t.gql(
      `query ($id: ID!) { datasetGeneration(id: $id) { status pairsAccepted } }`,
      { id },
    );
    expect(queried.data!.datasetGeneration).toEqual({
      status: 'COMPLETED',
      pairsAccepted: last.pairsAccepted,
    });
  });

  describe('through a real HTTP provider', () => {
    let standin: StandinServer;
    beforeAll(async () => {
      standin = await startStandinServer({ oracle: t.app.datasets, models: ['standin-gen'] });
    });
    afterAll(() => standin.close());

    it('should generate the same 30 pairs through the stand-in OpenAI-compatible server and run RAG on them there', async () => {
      const generator = {
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url, maxAttempts: 2 },
        model: 'standin-gen',
      };
      const before = standin.stats.ok;
      const stream = await generateAndFollow({
        pairs: 3,
        chunks: 10,
        seed: 7,
        name: 'synthetic_standin',
        generator,
      });
      const last = stream.at(-1)!;
      expect(last).toMatchObject({ status: 'COMPLETED', pairsAccepted: 30, pairsRejected: 0 });
      expect(last.usage).toMatchObject({ calls: 10, cacheHits: 0 });
      expect(last.usage.tokensOutput).toBeGreaterThan(0);
      expect(standin.stats.ok - before).toBe(10);
      console.log('stand-in generation usage:', JSON.stringify(last.usage));
      const viaHttp = await examples('synthetic_standin');
      const simulated = await examples('synthetic_pred');
      expect(viaHttp.map((r) => [r.question, r.answer])).toEqual(
        simulated.map((r) => [r.question, r.answer]),
      );

      const rag = await launch(t, 'rag-on-standin-synthetic', {
        datasetName: 'synthetic_standin',
        reasoningMethod: 'RAG',
        numSamples: 30,
        modelName: 'standin-gen',
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: standin.url },
        rag: { knowledgeBase: 'pred_articles', retrieval: 'BM25', topK: 3 },
      });
      expect(await t.waitForEnd(rag)).toBe('COMPLETED');
      const result = (await t.gql(SAMPLES, { id: rag })).data!.experiment;
      console.log(
        `accuracy on synthetic_standin via the stand-in: RAG ${result.metrics.accuracyAny}`,
      );
      expect(result.metrics.accuracyAny).toBeGreaterThanOrEqual(0.7);
    });
  });

  describe('replies that cannot be used', () => {
    let server: Server;
    let base: string;
    let replies: (string | number)[] = [];
    let served = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const reply = replies[served++ % replies.length]!;
          if (typeof reply === 'number') {
            res.writeHead(reply, { 'content-type': 'application/json' });
            res.end(
              JSON.stringify({ error: { message: 'injected failure', type: 'server_error' } }),
            );
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              choices: [
                { index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' },
              ],
              usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
            }),
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('should count unparseable and ungrounded replies as rejected with their reason, and fail with the tally when nothing is left', async () => {
      served = 0;
      replies = [
        'Sure! Here are some questions about the passage.',
        '```json\n{"pairs": [{"question": "What is the airspeed of an unladen swallow?", "answer": "eleven metres per second"}]}\n```',
        '[{"question": "Who?", "answer": ""}, {"answer": "x"}]',
      ];
      const count = await datasetCount();
      const stream = await generateAndFollow({
        pairs: 2,
        chunks: 3,
        name: 'synthetic_bad',
        generator: { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: base }, model: 'bad' },
      });
      const last = stream.at(-1)!;
      expect(last.status).toBe('FAILED');
      expect(last.chunksDone).toBe(3);
      expect(last.rejections).toEqual([
        { reason: 'UNPARSEABLE', count: 2 },
        { reason: 'INVALID', count: 2 },
        { reason: 'NOT_IN_CHUNK', count: 1 },
      ]);
      expect(last.error).toBe(
        'no generated pair passed validation (UNPARSEABLE 2, INVALID 2, NOT_IN_CHUNK 1)',
      );
      expect(stream[2]!.chunk!.rejected[0]).toMatchObject({ reason: 'NOT_IN_CHUNK' });
      expect(last.usage).toMatchObject({ calls: 3, tokensInput: 300, tokensOutput: 60 });
      expect(last.dataset).toBeNull();
      expect(await datasetCount()).toBe(count);
    });

    it('should fail with the last error when every call fails', async () => {
      served = 0;
      replies = [500];
      const stream = await generateAndFollow({
        pairs: 1,
        chunks: 2,
        name: 'synthetic_down',
        generator: {
          provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: base, maxAttempts: 1 },
          model: 'down',
        },
      });
      const last = stream.at(-1)!;
      expect(last.status).toBe('FAILED');
      expect(last.rejections).toEqual([{ reason: 'CALL_FAILED', count: 2 }]);
      expect(last.error).toMatch(/^every generator call failed; last error: /);
      expect(t.app.datasets.get('synthetic_down')).toBeUndefined();
    });
  });

  it('should refuse bad input with its code and change nothing', async () => {
    const count = await datasetCount();
    const code = async (variables: Record<string, unknown>) => {
      const result = await generate(variables);
      expect(result.data?.generateDataset ?? null).toBeNull();
      return [result.errors?.[0]?.extensions?.code, result.errors?.[0]?.message];
    };
    expect(await code({ kb: 'no_such_kb' })).toEqual([
      'NOT_FOUND',
      'knowledge base "no_such_kb" not found',
    ]);
    expect(await code({ pairs: 0 })).toEqual([
      'BAD_USER_INPUT',
      'pairsPerChunk: must be between 1 and 5',
    ]);
    expect(await code({ pairs: 6 })).toEqual([
      'BAD_USER_INPUT',
      'pairsPerChunk: must be between 1 and 5',
    ]);
    expect(await code({ chunks: 0 })).toEqual([
      'BAD_USER_INPUT',
      'maxChunks: must be between 1 and 200',
    ]);
    expect(await code({ chunks: 201 })).toEqual([
      'BAD_USER_INPUT',
      'maxChunks: must be between 1 and 200',
    ]);
    expect(await code({ seed: -1 })).toEqual([
      'BAD_USER_INPUT',
      'seed: must be between 0 and 2147483647',
    ]);
    expect((await code({ name: 'bad name!' }))[0]).toBe('BAD_USER_INPUT');
    expect(
      await code({
        generator: { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1' } },
      }),
    ).toEqual(['BAD_USER_INPUT', 'generator.model: must not be empty']);
    expect(await code({ name: 'synthetic_pred' })).toEqual([
      'CONFLICT',
      'a dataset named "synthetic_pred" already exists; datasets are immutable, import under a new name',
    ]);
    expect(await code({ name: 'trivia_qa' })).toEqual([
      'CONFLICT',
      'a dataset named "trivia_qa" already exists; datasets are immutable, import under a new name',
    ]);
    expect(await datasetCount()).toBe(count);

    const unknown = await t.gql(`query { datasetGeneration(id: "nope") { id } }`);
    expect(unknown.data!.datasetGeneration).toBeNull();
    await expect(collect(client(), SUBSCRIBE, { id: 'nope' })).rejects.toThrow(/NOT_FOUND/);
  });
});

describe('generateDataset at shutdown', () => {
  it('should end a running generation FAILED and store nothing when the server stops', async () => {
    const t = await createTestApp();
    const { datasetGenerations, datasets } = t.app;
    // A slow simulated generator: the job is still waiting on its first calls when the server stops.
    const job = datasetGenerations.start({
      knowledgeBase: 'builtin',
      maxChunks: 20,
      name: 'never_stored',
      generator: { provider: { kind: 'SIMULATED', latencyMs: 60_000 } },
    });
    expect(job.status).toBe('RUNNING');
    await t.dispose();
    expect(datasetGenerations.get(job.id)).toMatchObject({
      status: 'FAILED',
      error: 'server shutting down',
      chunksDone: 0,
    });
    expect(datasets.get('never_stored')).toBeUndefined();
  });
});
