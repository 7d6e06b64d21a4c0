import { readFile } from 'node:fs/promises';
import { AppError } from '../../errors.ts';
import type { Example, ToolStep } from '../types.ts';

/** One knowledge-base article (the corpus behind RAG retrieval and the REACT search tool). */
export interface KnowledgeArticle {
  id: string;
  title: string;
  text: string;
}

/** One worked example shown to the model by the COT method. */
export interface FewShotExample {
  question: string;
  reasoning: string;
  answer: string;
}

/** A data file that cannot be used; the message names the file and the offending record. */
export class DatasetFileError extends AppError {
  constructor(origin: string, problem: string) {
    super(`Invalid data file ${origin}: ${problem}`, 'BAD_USER_INPUT', { file: origin });
  }
}

type RawRecord = Record<string, unknown>;

export async function readJsonFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new DatasetFileError(path, `cannot be read (${(error as Error).message})`);
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DatasetFileError(path, `is not valid JSON (${(error as Error).message})`);
  }
}

/** Validates dataset records (unique ids, required strings, well-formed hints) and returns examples. */
export function parseDatasetRecords(raw: unknown, origin: string): Example[] {
  const records = requireRecordArray(raw, origin);
  const examples = records.map((record, position) =>
    toExample(record, new RecordLocation(origin, position, record)),
  );
  assertUniqueIds(examples, origin);
  return examples;
}

export function parseArticles(raw: unknown, origin: string): KnowledgeArticle[] {
  const articles = requireRecordArray(raw, origin).map((record, position) => {
    const location = new RecordLocation(origin, position, record);
    return {
      id: location.requireString('id'),
      title: location.requireString('title'),
      text: location.requireString('text'),
    };
  });
  assertUniqueIds(articles, origin);
  return articles;
}

export function parseFewShotExamples(raw: unknown, origin: string): FewShotExample[] {
  return requireRecordArray(raw, origin).map((record, position) => {
    const location = new RecordLocation(origin, position, record);
    return {
      question: location.requireString('question'),
      reasoning: location.requireString('reasoning'),
      answer: location.requireString('answer'),
    };
  });
}

function toExample(record: RawRecord, location: RecordLocation): Example {
  const example: Example = {
    id: location.requireString('id'),
    question: location.requireString('question'),
    answer: location.requireString('answer'),
    aliases: location.optionalStringArray('aliases') ?? [],
  };
  if (record.solution !== undefined) example.solution = location.requireString('solution');
  if (record.steps !== undefined) example.steps = location.toolSteps('steps');
  return example;
}

function requireRecordArray(raw: unknown, origin: string): RawRecord[] {
  if (!Array.isArray(raw)) throw new DatasetFileError(origin, 'expected a JSON array of records');
  if (raw.length === 0) throw new DatasetFileError(origin, 'contains no records');
  raw.forEach((record: unknown, position) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DatasetFileError(origin, `record #${position + 1} is not a JSON object`);
    }
  });
  return raw as RawRecord[];
}

function assertUniqueIds(records: readonly { id: string }[], origin: string): void {
  const firstPosition = new Map<string, number>();
  records.forEach(({ id }, position) => {
    const earlier = firstPosition.get(id);
    if (earlier !== undefined) {
      throw new DatasetFileError(
        origin,
        `record #${position + 1} repeats id ${JSON.stringify(id)} of record #${earlier + 1}`,
      );
    }
    firstPosition.set(id, position);
  });
}

/** Reads fields of one record and reports problems with its position and id. */
class RecordLocation {
  constructor(
    private readonly origin: string,
    private readonly position: number,
    private readonly record: RawRecord,
  ) {}

  requireString(field: string): string {
    const value = this.record[field];
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(`"${field}" must be a non-empty string`);
    return value;
  }

  optionalStringArray(field: string): string[] | undefined {
    const value = this.record[field];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.fail(`"${field}" must be an array of strings`);
    }
    return [...value];
  }

  toolSteps(field: string): ToolStep[] {
    const value = this.record[field];
    if (!Array.isArray(value) || !value.every(isToolStep)) {
      this.fail(`"${field}" must be an array of {tool: "search" | "calculator", input: string}`);
    }
    return value.map(({ tool, input }) => ({ tool, input }));
  }

  private fail(problem: string): never {
    const id = this.record.id;
    const label = typeof id === 'string' ? ` (id ${JSON.stringify(id)})` : '';
    throw new DatasetFileError(this.origin, `record #${this.position + 1}${label}: ${problem}`);
  }
}

function isToolStep(value: unknown): value is ToolStep {
  if (value === null || typeof value !== 'object') return false;
  const { tool, input } = value as Record<string, unknown>;
  return (
    (tool === 'search' || tool === 'calculator') && typeof input === 'string' && input.trim() !== ''
  );
}
