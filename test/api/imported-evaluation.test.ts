import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsAnswer } from '../../server/engine/metrics/scoring.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

/**
 * Evaluation on data LlmForge has never seen: the predecessor-shaped fixtures (51 articles, 50
 * knowledge-base questions, 40 math problems) imported unchanged, then the method contrasts the
 * README documents, measured on them. Figures are printed so a run shows them.
 */
const FIXTURES = new URL('../fixtures/predecessor/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const FAST = { kind: 'SIMULATED', latencyMs: 0 };

const IMPORT_KB = `mutation ($input: ImportKnowledgeBaseInput!) {
  importKnowledgeBase(input: $input) { name source documentCount chunkCount chunkSize chunkOverlap sizeChars contentHash } }`;
const IMPORT_DATASET = `mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { name kind size contentHash } }`;
const SAMPLES = `query ($id: ID!) { experiment(id: $id) {
  metrics { accuracyAny }
  samples(first: 1000) { nodes { exampleId correct parsedAnswer metadata trace timings { phase ms } } } } }`;
const COMPARE_MANY = `query ($ids: [ID!]!) { compareExperiments(ids: $ids) {
  samplesInCommonAll
  experiments { experiment { name } samples correct f1Mean tokensInput tokensOutput estimatedCostUsd
    accuracy { estimate lower upper } latency { p50 p95 p99 } }
  pairwise { a b onlyA onlyB method pValue adjustedPValue significant }
  matrix(first: 5, disagreeOnly: true) { totalCount nodes { exampleId disagree cells { correct } } } } }`;
const COMPARE_TWO = `query ($a: ID!, $b: ID!) { compareExperiments(a: $a, b: $b) {
  samplesInCommon a { accuracy } b { accuracy } mcNemar { onlyA onlyB method pValue } } }`;

interface Sample {
  exampleId: string;
  correct: boolean;
  parsedAnswer: string | null;
  metadata: Record<string, unknown> | null;
  trace: {
    method: string;
    knowledgeBase: string;
    topK: number;
    passages: { title: string; text: string }[];
  } | null;
  timings: { phase: string; ms: number }[];
}

describe('evaluation on imported datasets and knowledge bases', () => {
  let t: TestApp;
  const kbQuestions = JSON.parse(fixture('knowledge_base_qa.json')) as {
    id: string;
    answer: string;
    aliases: string[];
  }[];
  const gold = new Map(kbQuestions.map((q) => [q.id, q]));

  async function run(
    name: string,
    config: Record<string, unknown>,
  ): Promise<{ id: string; accuracy: number; samples: Sample[] }> {
    const id = await launch(t, name, { provider: FAST, numSamples: 1000, ...config });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const result = await t.gql(SAMPLES, { id });
    return {
      id,
      accuracy: result.data!.experiment.metrics.accuracyAny,
      samples: result.data!.experiment.samples.nodes,
    };
  }

  async function count(query: string, field: string): Promise<number> {
    return ((await t.gql(query)).data![field] as unknown[]).length;
  }

  beforeAll(async () => {
    t = await createTestApp();
    const kb = await t.gql(IMPORT_KB, {
      input: {
        name: 'pred_articles',
        format: 'JSON',
        content: fixture('articles.json'),
        chunkSize: 256,
        chunkOverlap: 50,
      },
    });
    expect(kb.errors).toBeUndefined();
    const qa = await t.gql(IMPORT_DATASET, {
      input: {
        name: 'pred_kb_qa',
        format: 'JSON',
        content: fixture('knowledge_base_qa.json'),
        kind: 'KNOWLEDGE',
      },
    });
    expect(qa.errors).toBeUndefined();
    const math = await t.gql(IMPORT_DATASET, {
      input: { name: 'pred_math', format: 'JSON', content: fixture('math_reasoning.json') },
    });
    expect(math.data!.importDataset).toMatchObject({ name: 'pred_math', kind: 'MATH', size: 40 });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('should import the 51-article file unchanged and list it with size, chunk count and content hash', async () => {
    const listed = await t.gql(
      `{ knowledgeBases { name source documentCount chunkCount chunkSize chunkOverlap contentHash } }`,
    );
    const names = listed.data!.knowledgeBases.map((k: { name: string }) => k.name);
    expect(names).toEqual(['builtin', 'pred_articles']);
    const imported = listed.data!.knowledgeBases[1];
    expect(imported).toMatchObject({
      name: 'pred_articles',
      source: 'imported',
      documentCount: 51,
      chunkSize: 256,
      chunkOverlap: 50,
    });
    // Every article is under 256 words, so one passage each (as in the predecessor).
    expect(imported.chunkCount).toBe(51);
    expect(imported.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should register stored knowledge bases and dataset kinds again when the server starts on the same database', async () => {
    const restarted = await createTestApp(
      { databasePath: t.databasePath },
      { datasets: await DatasetRegistry.loadBuiltins() },
    );
    try {
      const kbs = (
        await restarted.gql(
          `{ knowledgeBases { name documentCount chunkCount chunkSize chunkOverlap } }`,
        )
      ).data!.knowledgeBases;
      expect(kbs.find((k: { name: string }) => k.name === 'pred_articles')).toEqual({
        name: 'pred_articles',
        documentCount: 51,
        chunkCount: 51,
        chunkSize: 256,
        chunkOverlap: 50,
      });
      const datasets = (await restarted.gql(`{ datasets { name kind } }`)).data!.datasets;
      expect(datasets.filter((d: { name: string }) => d.name.startsWith('pred_'))).toEqual([
        { name: 'pred_kb_qa', kind: 'KNOWLEDGE' },
        { name: 'pred_math', kind: 'MATH' },
      ]);
    } finally {
      await restarted.dispose({ keepDatabase: true });
    }
  });

  it('should retrieve a passage holding the answer for >= 90 % of the 50 questions at topK 3 (hit rate by topK 1, 3, 5)', async () => {
    const rates: Record<number, number> = {};
    for (const topK of [1, 3, 5]) {
      const { samples } = await run(`rag top${topK}`, {
        datasetName: 'pred_kb_qa',
        reasoningMethod: 'RAG',
        rag: { knowledgeBase: 'pred_articles', topK },
      });
      expect(samples).toHaveLength(50);
      const hits = samples.filter((s) =>
        containsAnswer(s.trace!.passages.map((p) => p.text).join('\n'), gold.get(s.exampleId)!),
      );
      for (const sample of samples)
        expect(sample.trace).toMatchObject({ method: 'RAG', knowledgeBase: 'pred_articles', topK });
      rates[topK] = hits.length / samples.length;
    }
    console.log(
      `knowledge-base hit rate (passages contain the answer), pred_articles, 50 questions: ${JSON.stringify(rates)}`,
    );
    expect(rates[3]).toBeGreaterThanOrEqual(0.9);
    expect(rates[1]!).toBeLessThanOrEqual(rates[3]!);
    expect(rates[3]!).toBeLessThanOrEqual(rates[5]!);
  });

  it('should show COT beating NAIVE on an imported MATH-kind dataset, with the McNemar p-value', async () => {
    const naive = await run('math naive', { datasetName: 'pred_math', reasoningMethod: 'NAIVE' });
    const cot = await run('math cot', { datasetName: 'pred_math', reasoningMethod: 'COT' });
    const compared = await t.gql(COMPARE_TWO, { a: naive.id, b: cot.id });
    const c = compared.data!.compareExperiments;
    console.log(
      `pred_math (MATH, 40): NAIVE ${naive.accuracy} vs COT ${cot.accuracy}; McNemar ${JSON.stringify(c.mcNemar)}`,
    );
    expect(cot.accuracy).toBeGreaterThan(naive.accuracy + 0.2);
    expect(c.samplesInCommon).toBe(40);
    expect(c.mcNemar.pValue).toBeLessThan(0.05);
  });

  it('should show RAG beating NAIVE on an imported KNOWLEDGE-kind dataset with the imported corpus', async () => {
    const naive = await run('kb naive', { datasetName: 'pred_kb_qa', reasoningMethod: 'NAIVE' });
    const rag = await run('kb rag', {
      datasetName: 'pred_kb_qa',
      reasoningMethod: 'RAG',
      rag: { knowledgeBase: 'pred_articles' },
    });
    const c = (await t.gql(COMPARE_TWO, { a: naive.id, b: rag.id })).data!.compareExperiments;
    console.log(
      `pred_kb_qa (KNOWLEDGE, 50): NAIVE ${naive.accuracy} vs RAG ${rag.accuracy}; McNemar ${JSON.stringify(c.mcNemar)}`,
    );
    expect(rag.accuracy).toBeGreaterThan(naive.accuracy + 0.2);
    // The record's extra field travels with every sample.
    for (const sample of rag.samples)
      expect(Object.keys(sample.metadata ?? {})).toEqual(['evidence_source']);
    expect(c.mcNemar.pValue).toBeLessThan(0.05);
  });

  it('should show REACT beating NAIVE on imported MULTI_HOP- and AGENT-kind data (the kind, not the name, decides)', async () => {
    const figures: string[] = [];
    for (const [builtin, kind] of [
      ['multi_hop', 'MULTI_HOP'],
      ['react_bench', 'AGENT'],
    ] as const) {
      const dataset = t.app.datasets.get(builtin)!;
      const records = Array.from({ length: dataset.size }, (_, i) => dataset.at(i)).map(
        ({ id, question, answer, aliases }) => ({ id, question, answer, aliases }),
      );
      const name = `mine_${kind.toLowerCase()}`;
      const imported = await t.gql(IMPORT_DATASET, {
        input: { name, format: 'JSON', content: JSON.stringify(records), kind },
      });
      expect(imported.data!.importDataset).toMatchObject({ name, kind });
      const naive = await run(`${name} naive`, { datasetName: name, reasoningMethod: 'NAIVE' });
      const react = await run(`${name} react`, { datasetName: name, reasoningMethod: 'REACT' });
      figures.push(
        `${name} (${kind}, ${records.length}): NAIVE ${naive.accuracy} vs REACT ${react.accuracy}`,
      );
      expect(react.accuracy).toBeGreaterThan(naive.accuracy + 0.15);
    }
    console.log(figures.join('\n'));
  });

  it('should retrieve for NAIVE and COT too: a retrieval phase and the passages in every trace', async () => {
    for (const method of ['NAIVE', 'COT'] as const) {
      const { samples, accuracy } = await run(`${method} + retrieval`, {
        datasetName: 'pred_kb_qa',
        reasoningMethod: method,
        rag: { knowledgeBase: 'pred_articles', topK: 3 },
      });
      for (const sample of samples) {
        expect(sample.trace).toMatchObject({
          method,
          knowledgeBase: 'pred_articles',
          retrieval: 'BM25',
          topK: 3,
        });
        expect(sample.trace!.passages).toHaveLength(3);
        expect(sample.timings.map((timing) => timing.phase)).toContain('retrieval');
      }
      expect(accuracy).toBeGreaterThan(0.7);
    }
  });

  it('should compare 4 experiments: table, every pair with Holm–Bonferroni corrected p-values, the disagreement matrix', async () => {
    const names = ['4way NAIVE', '4way COT', '4way RAG', '4way NAIVE+retrieval'];
    const configs = [
      { reasoningMethod: 'NAIVE' },
      { reasoningMethod: 'COT' },
      { reasoningMethod: 'RAG', rag: { knowledgeBase: 'pred_articles' } },
      { reasoningMethod: 'NAIVE', rag: { knowledgeBase: 'pred_articles', topK: 5 } },
    ];
    const ids: string[] = [];
    for (const [index, config] of configs.entries())
      ids.push(
        (
          await run(names[index]!, {
            datasetName: 'pred_kb_qa',
            ...config,
            pricing: { inputPerMillionTokens: 0.1, outputPerMillionTokens: 0.4 },
          })
        ).id,
      );
    const result = await t.gql(COMPARE_MANY, { ids });
    expect(result.errors).toBeUndefined();
    const c = result.data!.compareExperiments;
    console.log('4-way comparison on pred_kb_qa:');
    console.table(
      c.experiments.map((e: any) => ({
        name: e.experiment.name,
        accuracy: e.accuracy.estimate,
        ci95: `${e.accuracy.lower.toFixed(3)}..${e.accuracy.upper.toFixed(3)}`,
        f1: Number(e.f1Mean.toFixed(3)),
        p50: e.latency.p50,
        p95: e.latency.p95,
        tokensIn: e.tokensInput,
        tokensOut: e.tokensOutput,
        costUsd: e.estimatedCostUsd,
      })),
    );
    console.table(
      c.pairwise.map((p: any) => ({
        pair: `${names[p.a]} vs ${names[p.b]}`,
        onlyA: p.onlyA,
        onlyB: p.onlyB,
        method: p.method,
        p: p.pValue,
        holm: p.adjustedPValue,
        significant: p.significant,
      })),
    );
    expect(c.samplesInCommonAll).toBe(50);
    expect(c.experiments.map((e: any) => e.experiment.name)).toEqual(names);
    expect(c.pairwise.map((p: any) => [p.a, p.b])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    // Holm by hand: sort the raw p-values, multiply the i-th smallest by (6 − i), keep it monotone, cap at 1.
    const raw = c.pairwise.map((p: any) => p.pValue as number);
    const order = raw
      .map((p: number, i: number) => [p, i] as const)
      .sort(
        (x: readonly [number, number], y: readonly [number, number]) => x[0] - y[0] || x[1] - y[1],
      );
    const expected: number[] = [];
    let running = 0;
    order.forEach(([p, i]: readonly [number, number], rank: number) => {
      running = Math.max(running, Math.min(1, (6 - rank) * p));
      expected[i] = running;
    });
    expect(c.pairwise.map((p: any) => p.adjustedPValue)).toEqual(expected);
    for (const pair of c.pairwise) expect(pair.significant).toBe(pair.adjustedPValue < 0.05);
    for (const e of c.experiments) {
      expect(e.accuracy.lower).toBeLessThanOrEqual(e.accuracy.estimate);
      expect(e.accuracy.upper).toBeGreaterThanOrEqual(e.accuracy.estimate);
      expect(e.estimatedCostUsd).toBeCloseTo(
        (e.tokensInput * 0.1 + e.tokensOutput * 0.4) / 1e6,
        12,
      );
    }
    expect(
      c.matrix.nodes.every(
        (row: any) =>
          row.disagree && new Set(row.cells.map((cell: any) => cell.correct)).size === 2,
      ),
    ).toBe(true);
    expect(c.matrix.totalCount).toBeGreaterThan(0);
  });

  it('should keep extra record fields as metadata, infer the kind, and answer by dataset + example (not by question text)', async () => {
    const trivia = t.app.datasets.get('trivia_qa')!;
    const records = Array.from({ length: 20 }, (_, i) => trivia.at(i)).map((example, i) => ({
      id: `x${i}`,
      question: example.question,
      answer: `Zebulon ${i}`,
      category: 'renamed',
      difficulty: i % 3,
    }));
    const imported = await t.gql(IMPORT_DATASET, {
      input: { name: 'same_questions', format: 'JSON', content: JSON.stringify(records) },
    });
    expect(imported.data!.importDataset).toMatchObject({ kind: 'GENERAL', size: 20 });
    const { samples } = await run('same questions', {
      datasetName: 'same_questions',
      reasoningMethod: 'NAIVE',
      modelName: 'llama-70B',
    });
    const builtinAnswers = new Set(Array.from({ length: 20 }, (_, i) => trivia.at(i).answer));
    expect(samples.filter((s) => s.correct).length).toBeGreaterThan(10);
    expect(samples.filter((s) => builtinAnswers.has(s.parsedAnswer ?? ''))).toEqual([]);
    expect(samples.find((s) => s.exampleId === 'x4')!.metadata).toEqual({
      category: 'renamed',
      difficulty: 1,
    });
  });

  it('should compare two experiments on the same content imported under two names (by content hash)', async () => {
    const content = fixture('math_reasoning.json');
    await t.gql(IMPORT_DATASET, { input: { name: 'math_copy', format: 'JSON', content } });
    const a = await run('copy a', {
      datasetName: 'pred_math',
      reasoningMethod: 'NAIVE',
      numSamples: 10,
    });
    const b = await run('copy b', {
      datasetName: 'math_copy',
      reasoningMethod: 'COT',
      numSamples: 10,
    });
    const c = await t.gql(COMPARE_TWO, { a: a.id, b: b.id });
    expect(c.errors).toBeUndefined();
    expect(c.data!.compareExperiments.samplesInCommon).toBe(10);
  });

  it("should use config.rag.knowledgeBase for the REACT agent's search tool", async () => {
    // The built-in articles under new titles: every search hit must come from this corpus, none from the built-in one.
    const renamed = t.app.datasets.articles.map((article) => ({
      title: `Imported copy: ${article.title}`,
      text: article.text,
    }));
    const imported = await t.gql(IMPORT_KB, {
      input: {
        name: 'renamed',
        format: 'JSONL',
        content: renamed.map((r) => JSON.stringify(r)).join('\n'),
      },
    });
    expect(imported.errors).toBeUndefined();
    const { samples } = await run('react renamed', {
      datasetName: 'react_bench',
      reasoningMethod: 'REACT',
      numSamples: 5,
      rag: { knowledgeBase: 'renamed' },
    });
    const searches = samples.flatMap((s: any) =>
      (s.trace?.steps ?? []).filter((step: any) => step.action === 'search' && !step.toolError),
    );
    expect(searches.length).toBeGreaterThan(0);
    for (const step of searches) expect(step.observation).toContain('Imported copy: ');
  });

  describe('bad input: a clear error and nothing stored', () => {
    async function refusedKb(
      input: Record<string, unknown>,
      field: string,
      line: number | null,
      message: string,
    ) {
      const before = await count('{ knowledgeBases { name } }', 'knowledgeBases');
      const result = await t.gql(IMPORT_KB, {
        input: { name: 'bad_kb', format: 'JSON', ...input },
      });
      expect(result.data).toBeNull();
      expect(result.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
        ...(line === null ? {} : { line }),
      });
      expect(result.errors![0]!.message).toContain(message);
      expect(await count('{ knowledgeBases { name } }', 'knowledgeBases')).toBe(before);
      const stored = await t.app.orm.em
        .fork()
        .getConnection()
        .execute(`select count(*) as n from knowledge_bases where name = 'bad_kb'`);
      expect(stored.map((row) => Number(row.n))).toEqual([0]);
    }

    it.each([
      [
        'malformed JSON',
        { content: '[\n {"title": "A", "text": "a"},\n {"title": "B", "text": }\n]' },
        'content',
        3,
        'not valid JSON',
      ],
      [
        'a record without text',
        { content: '[\n {"title": "A", "text": "a"},\n {"title": "B"}\n]' },
        'content',
        3,
        '"text" is missing',
      ],
      [
        'malformed JSONL',
        { format: 'JSONL', content: '{"title":"A","text":"a"}\n{"title":"B",\n' },
        'content',
        2,
        'not valid JSON',
      ],
      [
        'a CSV row with too few fields',
        { format: 'CSV', content: 'title,text\nA,a\nB\n' },
        'content',
        3,
        'expected 2 fields',
      ],
      [
        'a duplicate id',
        { content: '[{"id":"d","title":"A","text":"a"},\n{"id":"d","title":"B","text":"b"}]' },
        'content',
        2,
        'already used on line 1',
      ],
      ['a knowledge base of 0 documents', { content: '[]' }, 'content', null, 'no documents'],
      [
        'an empty Markdown upload',
        { format: 'MARKDOWN', content: '  \n' },
        'content',
        null,
        'no documents',
      ],
      [
        'chunkOverlap >= chunkSize',
        { content: '[{"title":"A","text":"a"}]', chunkSize: 50, chunkOverlap: 50 },
        'chunkOverlap',
        null,
        'smaller than chunkSize',
      ],
      [
        'chunkSize out of range',
        { content: '[{"title":"A","text":"a"}]', chunkSize: 5 },
        'chunkSize',
        null,
        'between 8 and 4096',
      ],
    ])('should refuse %s', async (_label, input, field, line, message) => {
      await refusedKb(input, field, line as number | null, message);
    });

    it('should refuse a knowledge base name already taken, as a CONFLICT', async () => {
      const result = await t.gql(IMPORT_KB, {
        input: { name: 'pred_articles', format: 'TEXT', content: 'x' },
      });
      expect(result.errors![0]!.extensions!.code).toBe('CONFLICT');
    });

    it('should refuse an unknown knowledge base and an out-of-range topK at create, storing nothing', async () => {
      const before = (
        await t.app.orm.em.fork().getConnection().execute(`select count(*) as n from experiments`)
      )[0]!.n;
      const create = `mutation ($config: ExperimentConfigInput!) { createExperiment(input: { name: "x", config: $config }) { id } }`;
      const unknown = await t.gql(create, {
        config: { reasoningMethod: 'RAG', rag: { knowledgeBase: 'nope' } },
      });
      expect(unknown.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'config.rag.knowledgeBase',
      });
      const topK = await t.gql(create, { config: { hyperparameters: { topK: 1001 } } });
      expect(topK.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'config.hyperparameters.topK',
      });
      expect(
        (
          await t.app.orm.em.fork().getConnection().execute(`select count(*) as n from experiments`)
        )[0]!.n,
      ).toBe(before);
    });

    it('should refuse 11 experiments to compare, and experiments on different content', async () => {
      const eleven = await t.gql(COMPARE_MANY, {
        ids: Array.from({ length: 11 }, (_, i) => `id-${i}`),
      });
      expect(eleven.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
      expect(eleven.errors![0]!.message).toContain('give 2..10 experiments, got 11');
      const one = await t.gql(COMPARE_MANY, { ids: ['only-one'] });
      expect(one.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
      const math = await run('diff math', {
        datasetName: 'pred_math',
        reasoningMethod: 'NAIVE',
        numSamples: 5,
      });
      const kb = await run('diff kb', {
        datasetName: 'pred_kb_qa',
        reasoningMethod: 'NAIVE',
        numSamples: 5,
      });
      const other = await run('diff math 2', {
        datasetName: 'pred_math',
        reasoningMethod: 'COT',
        numSamples: 5,
      });
      const different = await t.gql(COMPARE_MANY, { ids: [math.id, other.id, kb.id] });
      expect(different.errors![0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'ids',
      });
      expect(different.errors![0]!.message).toContain('experiment 3');
    });

    it('should refuse a dataset import with an unknown kind, storing nothing', async () => {
      const result = await t.gql(
        `mutation { importDataset(input: { name: "k", format: JSON, content: "[]", kind: WRONG }) { name } }`,
      );
      expect(result.errors).toBeDefined();
      expect(t.app.datasets.get('k')).toBeUndefined();
    });
  });
});
