import { canonicalJson, sha256Hex } from '../hashing.ts';
import type { KnowledgeArticle } from '../datasets/files.ts';
import { DatasetImportError } from '../datasets/import.ts';
import { FormatError, readRecords } from '../datasets/import-formats.ts';
import type { WordChunking } from './knowledge-base.ts';

export const KNOWLEDGE_BASE_FORMATS = ['JSON', 'JSONL', 'CSV', 'MARKDOWN', 'TEXT'] as const;
export type KnowledgeBaseFormat = (typeof KNOWLEDGE_BASE_FORMATS)[number];

export const KNOWLEDGE_BASE_LIMITS = {
  documents: 50_000,
  idLength: 255,
  titleLength: 1_000,
  textLength: 1_000_000,
  chunkSize: { min: 8, max: 4_096 },
} as const;

/** The predecessor's defaults: 256-word passages overlapping by 50 words. */
export const DEFAULT_WORD_CHUNKING: WordChunking = { chunkSize: 256, chunkOverlap: 50 };

export interface DocumentUpload {
  format: KnowledgeBaseFormat;
  content: string;
  /** MARKDOWN / TEXT: the document's title; default its first heading or first line. */
  title?: string | null;
}

/**
 * Reads the documents of a knowledge-base upload. JSON: an array of {title, text} or {id, title, text};
 * JSONL: one such object per line; CSV: a header with title,text[,id]; MARKDOWN / TEXT: the whole
 * upload is one document. Problems are BAD_USER_INPUT naming the 1-based line.
 */
export function parseKnowledgeDocuments(
  upload: DocumentUpload,
  field = 'content',
): KnowledgeArticle[] {
  const documents =
    upload.format === 'MARKDOWN' || upload.format === 'TEXT'
      ? [singleDocument(upload, field)]
      : recordDocuments(upload, field);
  if (documents.length === 0)
    throw new DatasetImportError(field, null, 'the knowledge base contains no documents');
  if (documents.length > KNOWLEDGE_BASE_LIMITS.documents) {
    throw new DatasetImportError(
      field,
      null,
      `at most ${KNOWLEDGE_BASE_LIMITS.documents} documents, found ${documents.length}`,
    );
  }
  return documents;
}

export function validateChunking(
  chunkSize: number | null | undefined,
  chunkOverlap: number | null | undefined,
): WordChunking {
  const size = chunkSize ?? DEFAULT_WORD_CHUNKING.chunkSize;
  const { min, max } = KNOWLEDGE_BASE_LIMITS.chunkSize;
  if (!Number.isInteger(size) || size < min || size > max)
    throw new DatasetImportError(
      'chunkSize',
      null,
      `must be a whole number of words between ${min} and ${max}`,
    );
  const overlap =
    chunkOverlap ?? Math.min(DEFAULT_WORD_CHUNKING.chunkOverlap, Math.floor(size / 2));
  if (!Number.isInteger(overlap) || overlap < 0)
    throw new DatasetImportError('chunkOverlap', null, 'must be a whole number of words >= 0');
  if (overlap >= size)
    throw new DatasetImportError(
      'chunkOverlap',
      null,
      `must be smaller than chunkSize (${size}), got ${overlap}`,
    );
  return { chunkSize: size, chunkOverlap: overlap };
}

/** Equal documents chunked alike give equal hashes, whatever the format or name. */
export function knowledgeBaseHash(
  documents: readonly KnowledgeArticle[],
  chunking: WordChunking,
): string {
  return sha256Hex(
    canonicalJson({
      documents: documents.map(({ id, title, text }) => ({ id, title, text })),
      chunking,
    }),
  );
}

function recordDocuments(upload: DocumentUpload, field: string): KnowledgeArticle[] {
  let records: ReturnType<typeof readRecords>;
  try {
    records = readRecords(upload.format as 'JSON' | 'JSONL' | 'CSV', upload.content);
  } catch (error) {
    if (error instanceof FormatError)
      throw new DatasetImportError(field, error.line, error.message);
    throw error;
  }
  const firstLineOfId = new Map<string, number>();
  return records.map(({ line, record }, index) => {
    const fail = (problem: string): never => {
      throw new DatasetImportError(field, line, problem);
    };
    if (record === null || typeof record !== 'object' || Array.isArray(record))
      fail('expected an object {title, text} or {id, title, text}');
    const fields = record as Record<string, unknown>;
    const id =
      fields.id == null || fields.id === ''
        ? `doc-${index + 1}`
        : requiredText(fields, 'id', KNOWLEDGE_BASE_LIMITS.idLength, fail);
    const earlier = firstLineOfId.get(id);
    if (earlier !== undefined) fail(`id ${JSON.stringify(id)} is already used on line ${earlier}`);
    firstLineOfId.set(id, line);
    return {
      id,
      title: requiredText(fields, 'title', KNOWLEDGE_BASE_LIMITS.titleLength, fail),
      text: requiredText(fields, 'text', KNOWLEDGE_BASE_LIMITS.textLength, fail),
    };
  });
}

function singleDocument(upload: DocumentUpload, field: string): KnowledgeArticle {
  const text = upload.content.replace(/^\uFEFF/, '').trim();
  if (text === '')
    throw new DatasetImportError(
      field,
      null,
      'the knowledge base contains no documents (the text is empty)',
    );
  if (text.length > KNOWLEDGE_BASE_LIMITS.textLength)
    throw new DatasetImportError(
      field,
      null,
      `the text is longer than ${KNOWLEDGE_BASE_LIMITS.textLength} characters`,
    );
  const firstLine = text.split(/\r?\n/, 1)[0] as string;
  const heading = upload.format === 'MARKDOWN' ? /^#{1,6}\s+(.+)$/m.exec(text)?.[1] : undefined;
  const title = (upload.title?.trim() || heading?.trim() || firstLine.trim()).slice(
    0,
    KNOWLEDGE_BASE_LIMITS.titleLength,
  );
  return { id: 'doc-1', title, text };
}

function requiredText(
  fields: Record<string, unknown>,
  name: string,
  maxLength: number,
  fail: (problem: string) => never,
): string {
  const value = fields[name];
  if (value === undefined || value === null) return fail(`"${name}" is missing`);
  const asText = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof asText !== 'string') return fail(`"${name}" must be a string`);
  const trimmed = asText.trim();
  if (trimmed === '') return fail(`"${name}" is empty`);
  if (trimmed.length > maxLength) return fail(`"${name}" is longer than ${maxLength} characters`);
  return trimmed;
}
