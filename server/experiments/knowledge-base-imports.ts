import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/knex';
import type { Database } from '../db/orm.ts';
import { StoredKnowledgeBase } from '../db/entities/knowledge-base.entity.ts';
import { createKnowledgeBaseEntry, type KnowledgeBaseEntry } from '../engine/retrieval/catalog.ts';
import {
  KNOWLEDGE_BASE_FORMATS,
  knowledgeBaseHash,
  parseKnowledgeDocuments,
  validateChunking,
  type KnowledgeBaseFormat,
} from '../engine/retrieval/knowledge-base-import.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface ImportKnowledgeBaseInput {
  name: string;
  format: string;
  /** The file's text (pasted, or read from an upload). */
  content: string;
  description?: string | null;
  /** MARKDOWN / TEXT: the one document's title. */
  title?: string | null;
  chunkSize?: number | null;
  chunkOverlap?: number | null;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const DESCRIPTION_LENGTH = 10_000;

/**
 * Validates an uploaded corpus, chunks it, stores it and registers it, so experiments can retrieve
 * from it at once (config.rag.knowledgeBase). Nothing is stored when anything is wrong.
 */
export async function importKnowledgeBase(
  em: EntityManager,
  registry: DatasetRegistry,
  input: ImportKnowledgeBaseInput,
): Promise<KnowledgeBaseEntry> {
  const name = input.name.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(
      'name',
      'must be 1..100 letters, digits, "_", "-" or ".", starting with a letter or digit',
    );
  }
  if ((input.description?.length ?? 0) > DESCRIPTION_LENGTH) {
    throw new ValidationError('description', `must be at most ${DESCRIPTION_LENGTH} characters`);
  }
  const format = input.format as KnowledgeBaseFormat;
  if (!KNOWLEDGE_BASE_FORMATS.includes(format))
    throw new ValidationError('format', `must be one of ${KNOWLEDGE_BASE_FORMATS.join(', ')}`);
  const chunking = validateChunking(input.chunkSize, input.chunkOverlap);
  if (registry.knowledgeBases.get(name)) {
    throw new ConflictError(
      `a knowledge base named "${name}" already exists; knowledge bases are immutable, import under a new name`,
    );
  }
  const documents = parseKnowledgeDocuments({ format, content: input.content, title: input.title });
  const contentHash = knowledgeBaseHash(documents, chunking);
  const description =
    input.description?.trim() || `Imported knowledge base of ${documents.length} documents.`;
  const entry = createKnowledgeBaseEntry(
    { name, description, source: 'imported', chunking },
    documents,
    contentHash,
  );
  em.create(StoredKnowledgeBase, {
    name,
    description,
    format,
    ...chunking,
    documentCount: entry.documentCount,
    chunkCount: entry.chunkCount,
    sizeChars: entry.sizeChars,
    contentHash,
    documents,
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw new ConflictError(`a knowledge base named "${name}" already exists`);
    throw error;
  }
  registry.knowledgeBases.register(entry);
  return entry;
}

/** Registers every stored knowledge base at start-up. */
export async function registerImportedKnowledgeBases(
  orm: Database,
  registry: DatasetRegistry,
  logger: Logger,
): Promise<number> {
  const stored = await orm.em
    .fork()
    .find(StoredKnowledgeBase, {}, { populate: ['documents'], orderBy: { id: 'asc' } });
  let registered = 0;
  for (const row of stored) {
    if (registry.knowledgeBases.get(row.name)) {
      logger.error('stored knowledge base shadowed by another of the same name', {
        name: row.name,
      });
      continue;
    }
    const chunking = { chunkSize: row.chunkSize, chunkOverlap: row.chunkOverlap };
    registry.knowledgeBases.register(
      createKnowledgeBaseEntry(
        { name: row.name, description: row.description ?? '', source: 'imported', chunking },
        row.documents,
        row.contentHash,
      ),
    );
    registered += 1;
  }
  return registered;
}
