/**
 * Readers for uploaded dataset files. Each returns the raw records with the line each starts on, so
 * validation errors can point at the line to fix; syntax errors throw a {@link FormatError} with its line.
 */

export const IMPORT_FORMATS = ['JSON', 'JSONL', 'CSV'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface LocatedRecord {
  /** 1-based line where the record starts. */
  line: number;
  record: unknown;
}

/** A file that cannot be read as its format; `line` is 1-based. */
export class FormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'FormatError';
  }
}

export function readRecords(format: ImportFormat, content: string): LocatedRecord[] {
  const text = content.replace(/^\uFEFF/, '');
  switch (format) {
    case 'JSON':
      return readJsonArray(text);
    case 'JSONL':
      return readJsonLines(text);
    case 'CSV':
      return readCsv(text);
  }
}

function readJsonLines(text: string): LocatedRecord[] {
  const records: LocatedRecord[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    if (lineText.trim() === '') return;
    try {
      records.push({ line: index + 1, record: JSON.parse(lineText) as unknown });
    } catch (error) {
      throw new FormatError(index + 1, `not valid JSON (${jsonProblem(error)})`);
    }
  });
  return records;
}

function readJsonArray(text: string): LocatedRecord[] {
  const elements = topLevelElements(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FormatError(
      jsonErrorLine(text, error, elements),
      `not valid JSON (${jsonProblem(error)})`,
    );
  }
  if (!Array.isArray(parsed))
    throw new FormatError(lineAt(text, firstNonSpace(text)), 'expected a JSON array of records');
  return parsed.map((record: unknown, index) => ({ line: elements[index]?.line ?? 1, record }));
}

interface Element {
  start: number;
  end: number;
  line: number;
}

/**
 * Where each element of a top-level JSON array starts, found by a scan that tracks strings and
 * nesting (JSON.parse reports no positions for the values it returns).
 */
function topLevelElements(text: string): Element[] {
  const elements: Element[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let current: Element | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\n') line += 1;
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (depth === 1 && current === null && !/[\s,\]]/.test(char))
      current = { start: i, end: i, line };
    if (char === '"') inString = true;
    else if (char === '[' || char === '{') depth += 1;
    else if (char === ']' || char === '}') depth -= 1;
    if (current && depth === 1 && char === ',') {
      elements.push({ ...current, end: i });
      current = null;
    } else if (current && depth === 0) {
      elements.push({ ...current, end: i });
      current = null;
    }
  }
  if (current) elements.push({ ...current, end: text.length });
  return elements;
}

/** The line of a JSON syntax error: from V8's "at position N" when given, else the first element that fails alone. */
function jsonErrorLine(text: string, error: unknown, elements: readonly Element[]): number {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  if (position !== undefined) return lineAt(text, Number(position));
  for (const element of elements) {
    try {
      JSON.parse(text.slice(element.start, element.end));
    } catch {
      return element.line;
    }
  }
  return lineAt(text, text.trimEnd().length - 1);
}

function jsonProblem(error: unknown): string {
  // V8 quotes the whole input in some messages; the line number says where, the first clause says what.
  return (
    (error as Error).message.split(', "')[0]?.replace(/ in JSON at position \d+.*$/, '') ??
    'syntax error'
  );
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line += 1;
  return line;
}

function firstNonSpace(text: string): number {
  return Math.max(0, text.search(/\S/));
}

/** RFC 4180 CSV with a header row: quoted fields may hold commas, doubled quotes and line breaks. */
function readCsv(text: string): LocatedRecord[] {
  const rows = csvRows(text);
  const header = rows[0];
  if (!header)
    throw new FormatError(
      1,
      'the file is empty; expected a header row such as id,question,answer,aliases',
    );
  const columns = header.fields.map((name) => name.trim());
  const duplicate = columns.find((name, index) => columns.indexOf(name) !== index);
  if (duplicate !== undefined)
    throw new FormatError(header.line, `column "${duplicate}" appears twice in the header`);
  return rows.slice(1).map(({ line, fields }) => {
    if (fields.length !== columns.length) {
      throw new FormatError(
        line,
        `expected ${columns.length} fields like the header, found ${fields.length}`,
      );
    }
    return {
      line,
      record: Object.fromEntries(columns.map((name, index) => [name, fields[index]])),
    };
  });
}

interface CsvRow {
  line: number;
  fields: string[];
}

function csvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quotedFrom: number | null = null;
  let afterQuote = false;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0]!.trim() !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    afterQuote = false;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quotedFrom !== null) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') {
        quotedFrom = null;
        afterQuote = true;
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === ',') {
      fields.push(field);
      field = '';
      afterQuote = false;
    } else if (char === '\n' || (char === '\r' && text[i + 1] === '\n')) {
      if (char === '\r') i += 1;
      endRow();
      line += 1;
      rowLine = line;
    } else if (char === '"' && field.trim() === '' && !afterQuote) {
      field = '';
      quotedFrom = line;
    } else if (afterQuote && char.trim() !== '') {
      throw new FormatError(
        line,
        'unexpected text after a closing quote (a quote inside a field must be doubled: "")',
      );
    } else if (char === '"') {
      throw new FormatError(
        line,
        'a quote inside an unquoted field (quote the whole field and double the quote: "")',
      );
    } else if (!afterQuote) {
      field += char;
    }
  }
  if (quotedFrom !== null) throw new FormatError(quotedFrom, 'a quoted field is never closed');
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
