import { AppError } from '../../errors.ts';
import { canonicalJson, sha256Hex } from '../hashing.ts';
import { DATASET_KINDS, type DatasetKind, type Example, type ToolStep } from '../types.ts';
import { createInMemoryDataset, type Dataset } from './dataset.ts';
import { FormatError, readRecords, type ImportFormat } from './import-formats.ts';

export const IMPORT_LIMITS = {
  records: 100_000,
  idLength: 255,
  questionLength: 10_000,
  answerLength: 1_000,
  aliases: 50,
  /** Serialised size of the extra fields of one record. */
  metadataChars: 100_000,
} as const;

const CORE_FIELDS = new Set(['id', 'question', 'answer', 'aliases']);

/** A record the import refuses: BAD_USER_INPUT naming the field and the 1-based line of the file. */
export class DatasetImportError extends AppError {
  constructor(
    readonly field: string,
    readonly line: number | null,
    problem: string,
  ) {
    super(`${field}: ${line === null ? '' : `line ${line}: `}${problem}`, 'BAD_USER_INPUT', {
      field,
      line,
    });
  }
}

/**
 * Reads and validates an uploaded dataset of {id, question, answer, aliases?} records. Every problem
 * is reported with the line it is on; the whole file is refused at the first one.
 */
export function parseImportedExamples(
  format: ImportFormat,
  content: string,
  field = 'content',
): Example[] {
  let records: ReturnType<typeof readRecords>;
  try {
    records = readRecords(format, content);
  } catch (error) {
    if (error instanceof FormatError)
      throw new DatasetImportError(field, error.line, error.message);
    throw error;
  }
  if (records.length === 0)
    throw new DatasetImportError(field, null, 'the file contains no records');
  if (records.length > IMPORT_LIMITS.records) {
    throw new DatasetImportError(
      field,
      null,
      `at most ${IMPORT_LIMITS.records} records, found ${records.length}`,
    );
  }
  const firstLineOfId = new Map<string, number>();
  return records.map(({ line, record }) => {
    const fail = (problem: string): never => {
      throw new DatasetImportError(field, line, problem);
    };
    const example = toExample(record, format, fail);
    const earlier = firstLineOfId.get(example.id);
    if (earlier !== undefined)
      fail(`id ${JSON.stringify(example.id)} is already used on line ${earlier}`);
    firstLineOfId.set(example.id, line);
    return example;
  });
}

/**
 * The content hash of examples: equal records give equal hashes whatever the file format or the
 * name they were imported under (metadata counts only where a record has some).
 */
export function examplesHash(examples: readonly Example[]): string {
  return sha256Hex(
    canonicalJson(
      examples.map(({ id, question, answer, aliases, metadata }) => ({
        id,
        question,
        answer,
        aliases,
        ...(metadata ? { metadata } : {}),
      })),
    ),
  );
}

export function createImportedDataset(
  name: string,
  description: string | null,
  kind: DatasetKind,
  examples: readonly Example[],
  contentHash: string,
): Dataset {
  return createInMemoryDataset(
    {
      name,
      description: description ?? `Imported dataset of ${examples.length} examples.`,
      source: 'imported',
      kind,
    },
    examples,
    contentHash,
  );
}

/**
 * The kind of an imported dataset when none is given, from what its records carry: tool steps → AGENT;
 * a passage, article or evidence reference → KNOWLEDGE; worked solutions or all-numeric answers → MATH; a
 * "hops"/"supporting facts" field → MULTI_HOP; else GENERAL.
 */
export function inferDatasetKind(examples: readonly Example[]): DatasetKind {
  const has = (field: string) =>
    examples.some((example) => example.metadata?.[field] !== undefined);
  if (examples.some((example) => example.steps !== undefined)) return 'AGENT';
  if (
    [
      'context',
      'passage',
      'article_id',
      'articleId',
      'source_article',
      'evidence_source',
      'gold_chunk_keywords',
    ].some(has)
  )
    return 'KNOWLEDGE';
  if (['hops', 'supporting_facts', 'supportingFacts'].some(has)) return 'MULTI_HOP';
  const numeric = examples.filter((example) =>
    /^[-\u2212$€£]?\s*[\d,]*\.?\d+\s*%?$/u.test(example.answer),
  ).length;
  if (
    examples.some((example) => example.solution !== undefined) ||
    numeric >= 0.8 * examples.length
  )
    return 'MATH';
  return 'GENERAL';
}

export function isDatasetKind(value: string): value is DatasetKind {
  return (DATASET_KINDS as readonly string[]).includes(value);
}

type Fail = (problem: string) => never;

function toExample(record: unknown, format: ImportFormat, fail: Fail): Example {
  if (record === null || typeof record !== 'object' || Array.isArray(record))
    fail('expected an object {id, question, answer, aliases}');
  const fields = record as Record<string, unknown>;
  const example: Example = {
    id: text(fields, 'id', IMPORT_LIMITS.idLength, fail),
    question: text(fields, 'question', IMPORT_LIMITS.questionLength, fail),
    answer: text(fields, 'answer', IMPORT_LIMITS.answerLength, fail),
    aliases: aliases(fields.aliases, format, fail),
  };
  const extras = Object.entries(fields).filter(
    ([name, value]) => !CORE_FIELDS.has(name) && value !== '' && value != null,
  );
  if (extras.length === 0) return example;
  const metadata = Object.fromEntries(extras);
  if (JSON.stringify(metadata).length > IMPORT_LIMITS.metadataChars)
    fail(`the extra fields exceed ${IMPORT_LIMITS.metadataChars} characters`);
  // Two extras are hints the simulated provider understands: a worked solution and an agent's tool plan.
  if (typeof metadata.solution === 'string') example.solution = metadata.solution;
  const steps = toolSteps(metadata.steps);
  if (steps) example.steps = steps;
  return { ...example, metadata };
}

function toolSteps(value: unknown): ToolStep[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const valid = value.every(
    (step) =>
      step !== null &&
      typeof step === 'object' &&
      ['search', 'calculator'].includes((step as ToolStep).tool) &&
      typeof (step as ToolStep).input === 'string',
  );
  return valid ? (value as ToolStep[]) : undefined;
}

/** A required string; a number is accepted as its decimal text (ids and answers are often numbers). */
function text(
  fields: Record<string, unknown>,
  name: string,
  maxLength: number,
  fail: Fail,
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

/** JSON: an array of strings. CSV: a JSON array, or values separated by "|"; empty for none. */
function aliases(value: unknown, format: ImportFormat, fail: Fail): string[] {
  if (value === undefined || value === null || value === '') return [];
  let list: unknown = value;
  if (format === 'CSV' && typeof value === 'string') {
    list = value.trim().startsWith('[') ? parseJsonList(value, fail) : value.split('|');
  }
  if (
    !Array.isArray(list) ||
    !list.every(
      (item) => typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item)),
    )
  ) {
    return fail('"aliases" must be a list of strings');
  }
  const cleaned = list.map((item) => String(item).trim()).filter((item) => item !== '');
  if (cleaned.length > IMPORT_LIMITS.aliases) fail(`at most ${IMPORT_LIMITS.aliases} aliases`);
  if (cleaned.some((item) => item.length > IMPORT_LIMITS.answerLength))
    fail(`an alias is longer than ${IMPORT_LIMITS.answerLength} characters`);
  return cleaned;
}

function parseJsonList(value: string, fail: Fail): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return fail('"aliases" starts with "[" but is not a JSON list of strings');
  }
}
