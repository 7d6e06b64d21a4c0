import type { KnowledgeArticle } from '../datasets/files.ts';
import { Bm25Index } from './bm25.ts';
import type { Scored } from './ranking.ts';

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
  /** BM25 score, cosine similarity for DENSE, the reciprocal-rank-fusion score for HYBRID, the reranker's score for RERANKED. */
  score: number;
  /** Rank and score of the passage in each stage before the last (dense, bm25, fused); null where it did not appear. */
  stages?: Record<string, { rank: number; score: number } | null>;
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
 * sentence-packed passages for RAG (BM25). Lexical: no network and no model needed; the dense
 * methods add an embedding model and a vector index on top (see retriever.ts).
 */
export class KnowledgeBase {
  readonly passages: readonly Passage[];
  private readonly articleIndex: Bm25Index;
  private readonly passageIndex: Bm25Index;

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
    this.passageIndex = new Bm25Index(
      this.passages.map((passage) => `${passage.title}\n${passage.text}`),
    );
  }

  /** The articles that best match `query` by BM25, best first. */
  searchArticles(query: string, limit: number): ArticleHit[] {
    return this.articleIndex
      .search(query)
      .slice(0, limit)
      .map(({ index, score }) => ({ article: this.articles[index] as KnowledgeArticle, score }));
  }

  /** Every passage sharing a term with `query`, best first by BM25. */
  bm25Ranking(query: string): Scored[] {
    return this.passageIndex.search(query);
  }

  /** The `topK` passages that best match `query` by BM25 (the dense methods live in the Retriever). */
  retrieve(query: string, topK: number, _method: 'BM25' = 'BM25'): RetrievedPassage[] {
    return this.passageIndex
      .search(query)
      .slice(0, topK)
      .map(({ index, score }, position) => ({
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
