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
import { createEmbedder } from '../engine/embeddings/index.ts';
import {
  validateModelEndpoint,
  DEFAULTS,
  type ModelEndpointInput,
} from '../engine/experiment-config.ts';
import type { RetrievalServices } from '../engine/methods/index.ts';
import { passageText } from '../engine/retrieval/retriever.ts';
import { AppError, ConflictError, ValidationError } from '../errors.ts';
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
  /** Builds the vector index for this embedding model now, so the first DENSE run finds it ready. */
  embedding?: ModelEndpointInput | null;
}

/** The passages could not be embedded while importing: nothing was stored. */
export class IndexBuildError extends AppError {
  constructor(model: string, reason: string) {
    super(
      `the knowledge base was not imported: embedding its passages with ${model} failed: ${reason}`,
      'INDEX_BUILD_FAILED',
      { model },
    );
  }
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
  retrieval?: RetrievalServices,
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
  const embedding =
    input.embedding != null
      ? validateModelEndpoint(input.embedding, 'embedding', DEFAULTS.embeddingModel)
      : null;
  if (embedding && !retrieval)
    throw new ValidationError('embedding', 'this server builds no vector indexes');
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
  if (embedding && retrieval) {
    // Built before the corpus is stored: when embedding fails, nothing is stored. An index left
    // behind by a later failure (a name taken meanwhile) is keyed by content and reused by a re-import.
    const embedder = createEmbedder(embedding, retrieval.models);
    try {
      await retrieval.vectors.openOrBuild(
        { knowledgeBaseHash: contentHash, embeddingModel: embedder.identity },
        () => embedder.embed(entry.index().passages.map(passageText)),
      );
    } catch (error) {
      throw new IndexBuildError(
        `${embedding.provider.kind}:${embedding.model}`,
        (error as Error).message,
      );
    }
  }
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
  /** Only those the registry lacks, without complaint (the engine thread catching up with imports). */
  onlyNew = false,
): Promise<number> {
  const em = orm.em.fork();
  const stored = (await em.find(StoredKnowledgeBase, {}, { orderBy: { id: 'asc' } })).filter(
    (row) => !onlyNew || !registry.knowledgeBases.get(row.name),
  );
  await em.populate(stored, ['documents']);
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
