import type { KnowledgeArticle } from '../datasets/files.ts';
import type { RetrievalMethod } from '../types.ts';
import { Bm25Index } from './bm25.ts';
import { reciprocalRankFusion, type Scored } from './ranking.ts';
import { TrigramIndex } from './trigram.ts';

/** A chunk of a knowledge-base article: the unit RAG retrieves. */
export interface Passage {
  /** `<article id>#<chunk number from 1>` */
  id: string;
  articleId: string;
  title: string;
  text: string;
}

export interface RetrievedPassage extends Passage {
  /** 1 for the best passage. */
  rank: number;
  /** BM25 score, or the reciprocal-rank-fusion score for HYBRID. */
  score: number;
}

export interface ArticleHit {
  article: KnowledgeArticle;
  score: number;
}

/** Chunks stay under this many characters unless a single sentence is longer. */
const MAX_PASSAGE_CHARS = 320;
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=[\p{Lu}\d"“(])/u;

/**
 * The searchable knowledge base: whole articles for the agent's search tool (BM25), and overlapping
 * sentence-packed passages for RAG (BM25, or BM25 and character trigrams fused by reciprocal rank).
 * Both lexical: no network and no model needed.
 */
export class KnowledgeBase {
  readonly passages: readonly Passage[];
  private readonly articleIndex: Bm25Index;
  private readonly passageIndex: Bm25Index;
  private readonly passageTrigrams: TrigramIndex;

  /** `chunking` null: sentence-packed passages (the built-in corpus); else fixed word windows. */
  constructor(
    readonly articles: readonly KnowledgeArticle[],
    chunking: WordChunking | null = null,
  ) {
    this.passages = articles.flatMap((article) =>
      chunking ? chunkByWords(article, chunking) : chunkArticle(article),
    );
    // The title is part of what is searched: it names what a passage is about.
    this.articleIndex = new Bm25Index(
      articles.map((article) => `${article.title}\n${article.text}`),
    );
    const passageTexts = this.passages.map((passage) => `${passage.title}\n${passage.text}`);
    this.passageIndex = new Bm25Index(passageTexts);
    this.passageTrigrams = new TrigramIndex(passageTexts);
  }

  /** The articles that best match `query` by BM25, best first. */
  searchArticles(query: string, limit: number): ArticleHit[] {
    return this.articleIndex
      .search(query)
      .slice(0, limit)
      .map(({ index, score }) => ({ article: this.articles[index] as KnowledgeArticle, score }));
  }

  /** The `topK` passages that best match `query`. */
  retrieve(query: string, topK: number, method: RetrievalMethod): RetrievedPassage[] {
    const ranking: Scored[] =
      method === 'BM25'
        ? this.passageIndex.search(query)
        : reciprocalRankFusion([
            this.passageIndex.search(query),
            this.passageTrigrams.search(query),
          ]);
    return ranking.slice(0, topK).map(({ index, score }, position) => ({
      ...(this.passages[index] as Passage),
      rank: position + 1,
      score: Math.round(score * 1e6) / 1e6,
    }));
  }
}

/** Passages of `chunkSize` words, each repeating the last `chunkOverlap` words of the one before. */
export interface WordChunking {
  chunkSize: number;
  chunkOverlap: number;
}

export function chunkByWords(
  article: KnowledgeArticle,
  { chunkSize, chunkOverlap }: WordChunking,
): Passage[] {
  const words = article.text
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  const step = chunkSize - chunkOverlap;
  const passages: Passage[] = [];
  for (let start = 0; start < words.length; start += step) {
    passages.push({
      id: `${article.id}#${passages.length + 1}`,
      articleId: article.id,
      title: article.title,
      text: words.slice(start, start + chunkSize).join(' '),
    });
    if (start + chunkSize >= words.length) break;
  }
  return passages;
}

const built = new WeakMap<readonly KnowledgeArticle[], KnowledgeBase>();

/** One index per article list (the registry's list never changes), built on first use. */
export function knowledgeBaseFor(articles: readonly KnowledgeArticle[]): KnowledgeBase {
  const existing = built.get(articles);
  if (existing) return existing;
  const knowledgeBase = new KnowledgeBase(articles);
  built.set(articles, knowledgeBase);
  return knowledgeBase;
}

/**
 * Packs consecutive sentences into passages of at most MAX_PASSAGE_CHARS; each passage repeats the
 * last sentence of the one before, so a fact that spans a boundary is whole in one of them.
 */
export function chunkArticle(article: KnowledgeArticle): Passage[] {
  const sentences = article.text.trim().split(SENTENCE_BREAK);
  const chunks: string[][] = [];
  let start = 0;
  while (start < sentences.length) {
    let end = start + 1;
    let length = (sentences[start] as string).length;
    while (
      end < sentences.length &&
      length + 1 + (sentences[end] as string).length <= MAX_PASSAGE_CHARS
    ) {
      length += 1 + (sentences[end] as string).length;
      end += 1;
    }
    chunks.push(sentences.slice(start, end));
    if (end >= sentences.length) break;
    start = end - start > 1 ? end - 1 : end;
  }
  return chunks.map((chunk, position) => ({
    id: `${article.id}#${position + 1}`,
    articleId: article.id,
    title: article.title,
    text: chunk.join(' '),
  }));
}
