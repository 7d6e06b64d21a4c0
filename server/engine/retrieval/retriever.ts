import type { Embedder } from '../embeddings/embedder.ts';
import type { ProfilePhase, RetrievalMethod } from '../types.ts';
import type { KnowledgeBase, Passage, RetrievedPassage } from './knowledge-base.ts';
import { reciprocalRankFusion, type Scored } from './ranking.ts';
import type { Reranker } from './reranker.ts';
import {
  VectorDimensionMismatchError,
  type VectorIndex,
  type VectorIndexStore,
} from './vector-index.ts';

/** Candidates each retriever contributes before fusion and reranking: enough for any topK up to 20. */
export const CANDIDATE_POOL = 30;

export type Timer = <T>(phase: ProfilePhase, work: () => T | Promise<T>) => Promise<T>;
const untimed: Timer = async (_phase, work) => work();

export interface RetrieverParts {
  knowledgeBase: KnowledgeBase;
  /** The knowledge base's content hash: with the embedding model, the version of its vector index. */
  contentHash: string;
  /** Needed by DENSE, HYBRID and RERANKED. */
  embedder: Embedder | null;
  vectors: VectorIndexStore | null;
  /** Needed by RERANKED. */
  reranker: Reranker | null;
}

/**
 * Retrieval by any method over one knowledge base. BM25 is lexical; DENSE embeds the question and
 * searches the vector index (built on first use, once per knowledge-base version and model); HYBRID
 * fuses the BM25 and dense rankings by reciprocal rank; RERANKED re-scores the hybrid candidates with
 * a cross-encoder. Each passage keeps the ranks and scores of every stage, for the trace.
 */
export class Retriever {
  private index: Promise<VectorIndex> | null = null;

  constructor(private readonly parts: RetrieverParts) {}

  async retrieve(
    query: string,
    topK: number,
    method: RetrievalMethod,
    time: Timer = untimed,
    signal?: AbortSignal,
  ): Promise<RetrievedPassage[]> {
    if (method === 'BM25')
      return time('retrieval', () => this.parts.knowledgeBase.retrieve(query, topK, 'BM25'));
    const dense = await this.denseRanking(query, time, signal);
    if (method === 'DENSE') return this.passages(dense.slice(0, topK), { dense });
    const bm25 = await time('retrieval', () =>
      this.parts.knowledgeBase.bm25Ranking(query).slice(0, CANDIDATE_POOL),
    );
    const fused = reciprocalRankFusion([bm25, dense]);
    if (method === 'HYBRID') return this.passages(fused.slice(0, topK), { dense, bm25 });
    const candidates = fused.slice(0, CANDIDATE_POOL);
    const reranker = this.required(this.parts.reranker, 'a reranker');
    const texts = candidates.map(({ index }) => passageText(this.passage(index)));
    const scores = await time('rerank', () => reranker.score(query, texts, signal));
    const reranked = candidates
      .map(({ index }, position) => ({ index, score: scores[position] as number }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    return this.passages(reranked.slice(0, topK), { dense, bm25, fused });
  }

  /** Builds (or opens) the vector index now, so the first sample does not pay for it. */
  async prepare(signal?: AbortSignal): Promise<VectorIndex> {
    this.index ??= this.openOrBuild(signal).catch((error: unknown) => {
      this.index = null;
      throw error;
    });
    return this.index;
  }

  private async denseRanking(
    query: string,
    time: Timer,
    signal: AbortSignal | undefined,
  ): Promise<Scored[]> {
    const embedder = this.required(this.parts.embedder, 'an embedding model');
    const index = await this.prepare(signal);
    const [vector] = await time('embedding', () => embedder.embed([query], signal));
    if (vector?.length !== index.dimensions) {
      throw new VectorDimensionMismatchError(
        this.key(embedder),
        index.dimensions,
        vector?.length ?? 0,
      );
    }
    const hits = await time('retrieval', () => index.search(vector, CANDIDATE_POOL));
    return hits.map(({ index: position, distance }) => ({ index: position, score: 1 - distance }));
  }

  private async openOrBuild(signal: AbortSignal | undefined): Promise<VectorIndex> {
    const embedder = this.required(this.parts.embedder, 'an embedding model');
    const store = this.required(this.parts.vectors, 'a vector index store');
    // The build is shared with every other run that needs the same index at the same time, so it
    // does not stop with this run: this run only stops waiting for it.
    const build = store.openOrBuild(this.key(embedder), () =>
      embedder.embed(this.parts.knowledgeBase.passages.map(passageText)),
    );
    return signal ? abortable(build, signal) : build;
  }

  private key(embedder: Embedder) {
    return { knowledgeBaseHash: this.parts.contentHash, embeddingModel: embedder.identity };
  }

  private passages(
    ranking: readonly Scored[],
    stages: Partial<Record<'dense' | 'bm25' | 'fused', readonly Scored[]>>,
  ): RetrievedPassage[] {
    const rankIn = (list: readonly Scored[] | undefined, index: number) => {
      const position = list?.findIndex((item) => item.index === index) ?? -1;
      return position < 0
        ? null
        : { rank: position + 1, score: round((list as readonly Scored[])[position]?.score ?? 0) };
    };
    return ranking.map(({ index, score }, position) => {
      const stageScores: Record<string, { rank: number; score: number } | null> = {};
      for (const [stage, list] of Object.entries(stages)) stageScores[stage] = rankIn(list, index);
      return {
        ...this.passage(index),
        rank: position + 1,
        score: round(score),
        stages: stageScores,
      };
    });
  }

  private passage(index: number): Passage {
    return this.parts.knowledgeBase.passages[index] as Passage;
  }

  private required<T>(part: T | null, what: string): T {
    if (part === null)
      throw new Error(`this retrieval method needs ${what}, and none was configured`);
    return part;
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

/** What is embedded and reranked for a passage: its title names what it is about. */
export function passageText(passage: Passage): string {
  return `${passage.title}\n${passage.text}`;
}

function round(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}
