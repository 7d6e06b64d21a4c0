import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { KnowledgeArticle } from '../../engine/datasets/files.ts';

/** A corpus uploaded through `importKnowledgeBase`. Immutable once stored: a changed corpus is a new name. */
export class StoredKnowledgeBase {
  id!: number;
  name!: string;
  description: string | null = null;
  /** The format it was uploaded in: JSON, JSONL, CSV, MARKDOWN or TEXT. */
  format!: string;
  /** Words per passage, and words each passage repeats from the one before. */
  chunkSize!: number;
  chunkOverlap!: number;
  documentCount!: number;
  chunkCount!: number;
  /** Characters of document text in all. */
  sizeChars!: number;
  /** SHA-256 of the canonical JSON of the documents and the chunking. */
  contentHash!: string;
  /** The validated documents {id, title, text}, in file order. */
  documents!: KnowledgeArticle[];
  createdAt: Date & Opt = new Date();
}

export const StoredKnowledgeBaseSchema = new EntitySchema<StoredKnowledgeBase>({
  class: StoredKnowledgeBase,
  tableName: 'knowledge_bases',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    name: { type: 'string', length: 255, unique: true },
    description: { type: 'text', nullable: true },
    format: { type: 'string', length: 8 },
    chunkSize: { type: 'integer' },
    chunkOverlap: { type: 'integer' },
    documentCount: { type: 'integer' },
    chunkCount: { type: 'integer' },
    sizeChars: { type: 'integer' },
    contentHash: { type: 'string', length: 64 },
    documents: { type: 'json', columnType: 'json', lazy: true },
    createdAt: { type: 'datetime' },
  },
});
