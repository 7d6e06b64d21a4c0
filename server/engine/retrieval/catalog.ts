import { ConflictError } from '../../errors.ts';
import type { KnowledgeArticle } from '../datasets/files.ts';
import { canonicalJson, sha256Hex } from '../hashing.ts';
import { chunkArticle, chunkByWords, KnowledgeBase, type WordChunking } from './knowledge-base.ts';

/** The corpus RAG and the agent's search tool use unless an experiment names another. */
export const BUILTIN_KNOWLEDGE_BASE = 'builtin';

/** A named corpus and what a user needs to know about it before choosing it. */
export interface KnowledgeBaseEntry {
  name: string;
  description: string;
  source: 'builtin' | 'imported';
  /** null: sentence-packed passages (the built-in corpus). */
  chunking: WordChunking | null;
  documentCount: number;
  chunkCount: number;
  sizeChars: number;
  contentHash: string;
  /** Built on first use, so a server with many stored corpora starts fast. */
  index(): KnowledgeBase;
}

/** Every knowledge base an experiment can retrieve from, by name; the built-in one is always there. */
export class KnowledgeBaseCatalog {
  private readonly entries = new Map<string, KnowledgeBaseEntry>();

  constructor(builtinArticles: readonly KnowledgeArticle[]) {
    this.entries.set(
      BUILTIN_KNOWLEDGE_BASE,
      createKnowledgeBaseEntry(
        {
          name: BUILTIN_KNOWLEDGE_BASE,
          description: 'The built-in articles behind the knowledge_base and react_bench datasets.',
          source: 'builtin',
          chunking: null,
        },
        builtinArticles,
        sha256Hex(canonicalJson(builtinArticles)),
      ),
    );
  }

  list(): KnowledgeBaseEntry[] {
    return [...this.entries.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): KnowledgeBaseEntry | undefined {
    return this.entries.get(name);
  }

  register(entry: KnowledgeBaseEntry): void {
    if (this.entries.has(entry.name))
      throw new ConflictError(`a knowledge base named "${entry.name}" already exists`);
    this.entries.set(entry.name, entry);
  }
}

export function createKnowledgeBaseEntry(
  info: Pick<KnowledgeBaseEntry, 'name' | 'description' | 'source' | 'chunking'>,
  documents: readonly KnowledgeArticle[],
  contentHash: string,
): KnowledgeBaseEntry {
  let built: KnowledgeBase | null = null;
  const index = () => (built ??= new KnowledgeBase(documents, info.chunking));
  return {
    ...info,
    documentCount: documents.length,
    // Counting passages needs the chunking only, so listing never builds an index.
    chunkCount: documents.reduce(
      (sum, document) =>
        sum +
        (info.chunking ? chunkByWords(document, info.chunking) : chunkArticle(document)).length,
      0,
    ),
    sizeChars: documents.reduce((sum, document) => sum + document.text.length, 0),
    contentHash,
    index,
  };
}
