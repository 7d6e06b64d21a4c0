import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { Bm25Index } from '../../server/engine/retrieval/bm25.ts';
import { chunkArticle, KnowledgeBase } from '../../server/engine/retrieval/knowledge-base.ts';
import { reciprocalRankFusion } from '../../server/engine/retrieval/ranking.ts';
import { stem, tokenize } from '../../server/engine/retrieval/tokenize.ts';
import { cosine } from '../../server/engine/embeddings/embedder.ts';
import { simulatedEmbedding } from '../../server/engine/embeddings/simulated-embedding.ts';
import { createRetriever } from '../../server/engine/methods/index.ts';
import { DEFAULTS } from '../../server/engine/experiment-config.ts';

let registry: DatasetRegistry;
beforeAll(async () => {
  registry = await DatasetRegistry.loadBuiltins();
});

describe('tokenize', () => {
  it('should lower-case, drop stop words, accents and possessives, fold plurals and keep grouped numbers whole', () => {
    expect(
      tokenize("The Eiffel Tower's 2,340 rivets weighed about 7,300 tonnes in Zürich"),
    ).toEqual(['eiffel', 'tower', '2340', 'rivet', 'weighed', '7300', 'tonne', 'zurich']);
  });

  it.each([
    ['bodies', 'body'],
    ['canals', 'canal'],
    ['glasses', 'glasse'],
    ['class', 'class'],
    ['status', 'status'],
    ['gas', 'gas'],
    ['1960s', '1960s'],
  ])('should stem %s to %s (Harman S stemmer)', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed);
  });
});

describe('BM25', () => {
  const documents = ['apple banana', 'apple apple cherry', 'cherry date'];
  // N = 3 documents of 2, 3 and 2 terms: average length 7/3; k1 = 1.2, b = 0.75.
  const idf = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
  const termScore = (tf: number, length: number, df: number) =>
    (idf(df) * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / (7 / 3)));

  it('should score a rare term with the BM25 formula, by hand', () => {
    const index = new Bm25Index(documents);
    expect(idf(1)).toBeCloseTo(Math.log(8 / 3), 12);
    const [hit, ...rest] = index.search('banana');
    expect(rest).toEqual([]);
    expect(hit!.index).toBe(0);
    expect(hit!.score).toBeCloseTo(1.0417083, 6);
    expect(hit!.score).toBeCloseTo(termScore(1, 2, 1), 12);
  });

  it('should rank by term frequency and length and leave out documents without a query term', () => {
    const ranking = new Bm25Index(documents).search('apples');
    expect(ranking.map((r) => r.index)).toEqual([1, 0]);
    expect(ranking[0]!.score).toBeCloseTo(termScore(2, 3, 2), 12);
    expect(ranking[0]!.score).toBeCloseTo(0.5981864, 6);
    expect(ranking[1]!.score).toBeCloseTo(0.4991763, 6);
  });

  it('should add the scores of several query terms', () => {
    const [best] = new Bm25Index(documents).search('banana apple');
    expect(best!.index).toBe(0);
    expect(best!.score).toBeCloseTo(termScore(1, 2, 1) + termScore(1, 2, 2), 12);
  });
});

describe('reciprocal-rank fusion', () => {
  it('should add 1 / (60 + rank) over the rankings, by hand', () => {
    const fused = reciprocalRankFusion([
      [
        { index: 0, score: 9 },
        { index: 1, score: 5 },
        { index: 2, score: 1 },
      ],
      [
        { index: 2, score: 0.9 },
        { index: 0, score: 0.8 },
      ],
    ]);
    expect(fused.map((f) => f.index)).toEqual([0, 2, 1]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 15);
    expect(fused[1]!.score).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(fused[2]!.score).toBeCloseTo(1 / 62, 15);
  });
});

describe('the simulated (lexical) embedding', () => {
  it('should bring a misspelt word near its correct spelling, which BM25 cannot match at all', () => {
    const texts = [
      'Penicillin was discovered by Alexander Fleming',
      'The Suez Canal opened in 1869',
    ];
    expect(new Bm25Index(texts).search('penicilin')).toEqual([]);
    const [query, right, wrong] = ['penicilin', ...texts].map((text) =>
      simulatedEmbedding(text, 384),
    );
    expect(cosine(query!, right!)).toBeGreaterThan(0.2);
    expect(cosine(query!, right!)).toBeGreaterThan(3 * Math.abs(cosine(query!, wrong!)));
  });

  it('should be deterministic and unit length', () => {
    const a = simulatedEmbedding('Eiffel Tower rivets', 256);
    expect(a).toEqual(simulatedEmbedding('Eiffel Tower rivets', 256));
    expect(a).toHaveLength(256);
    expect(Math.hypot(...a)).toBeCloseTo(1, 12);
  });
});

describe('the knowledge base', () => {
  it('should chunk an article into overlapping sentence-packed passages of at most 320 characters', () => {
    const sentence = (n: number) => `Sentence ${n} ${'x'.repeat(88)}.`; // 100 characters each
    const article = { id: 'a1', title: 'T', text: [1, 2, 3, 4, 5].map(sentence).join(' ') };
    const passages = chunkArticle(article);
    expect(passages.map((p) => p.id)).toEqual(['a1#1', 'a1#2']);
    expect(passages[0]!.text).toBe([1, 2, 3].map(sentence).join(' '));
    expect(passages[1]!.text).toBe([3, 4, 5].map(sentence).join(' '));
    expect(
      passages.every((p) => p.text.length <= 320 && p.articleId === 'a1' && p.title === 'T'),
    ).toBe(true);
  });

  it('should keep a sentence longer than the limit as a passage of its own', () => {
    const long = `Y${'y'.repeat(400)}.`;
    const passages = chunkArticle({ id: 'a2', title: 'T', text: `Short one. ${long} Last one.` });
    expect(passages.map((p) => p.text)).toEqual(['Short one.', long, 'Last one.']);
  });

  it('should find the article each react_bench search step names', () => {
    const knowledgeBase = new KnowledgeBase(registry.articles);
    const dataset = registry.get('react_bench')!;
    let searches = 0;
    for (let i = 0; i < dataset.size; i++) {
      const raw = dataset.at(i);
      for (const step of raw.steps ?? []) {
        if (step.tool !== 'search') continue;
        searches += 1;
        const [best] = knowledgeBase.searchArticles(step.input, 1);
        expect(best, step.input).toBeDefined();
      }
    }
    expect(searches).toBeGreaterThanOrEqual(40);
    expect(knowledgeBase.searchArticles('Golden Gate Bridge', 1)[0]!.article.id).toBe('kb-a04');
  });

  it('should retrieve topK ranked passages with BM25 and with HYBRID, and let HYBRID survive misspellings', async () => {
    const knowledgeBase = new KnowledgeBase(registry.articles);
    const bm25 = knowledgeBase.retrieve(
      'How many rivets join the iron parts of the Eiffel Tower?',
      3,
      'BM25',
    );
    expect(bm25.map((p) => p.rank)).toEqual([1, 2, 3]);
    expect(bm25[0]!.articleId).toBe('kb-a01');
    expect(bm25[0]!.text).toContain('2.5 million rivets');
    expect(bm25[0]!.score).toBeGreaterThan(bm25[1]!.score);

    expect(knowledgeBase.retrieve('penicilin', 2, 'BM25')).toEqual([]);
    const config = {
      ...DEFAULTS.rag,
      retrieval: 'HYBRID' as const,
      embedding: {
        provider: { kind: 'SIMULATED' as const, latencyMs: 0, jitterMs: 0 },
        model: DEFAULTS.embeddingModel,
      },
    };
    const retriever = createRetriever(config, registry.knowledgeBases.get('builtin')!, undefined);
    const hybrid = await retriever.retrieve('penicilin', 2, 'HYBRID');
    expect(hybrid.map((p) => p.articleId)).toEqual(['kb-a55', 'kb-a55']);
    // Only the dense ranking found them: BM25 has no term in common, so each scores 1 / (60 + dense rank).
    expect(hybrid[0]!.score).toBeCloseTo(1 / 61, 6);
    expect(hybrid[0]!.stages).toEqual({
      dense: { rank: 1, score: expect.any(Number) },
      bm25: null,
    });
  });
});
