import { describe, expect, it } from 'vitest';
import {
  DatasetImportError,
  examplesHash,
  parseImportedExamples,
} from '../../server/engine/datasets/import.ts';
import type { ImportFormat } from '../../server/engine/datasets/import-formats.ts';

const RECORDS = [
  {
    id: 'q1',
    question: 'What is the capital of France?',
    answer: 'Paris',
    aliases: ['paris, france'],
  },
  { id: 'q2', question: 'How many legs has a spider?', answer: '8', aliases: [] },
];

/** The error a content would get, as { message, line }. */
function refusal(format: ImportFormat, content: string) {
  try {
    parseImportedExamples(format, content);
  } catch (error) {
    if (!(error instanceof DatasetImportError)) throw error;
    return {
      message: error.message,
      line: error.line,
      code: error.code,
      field: error.extensions.field,
    };
  }
  throw new Error('the content was accepted');
}

describe('reading imported datasets', () => {
  it('should read the same examples from JSON, JSONL and CSV, with the same content hash', () => {
    const json = JSON.stringify(RECORDS, null, 2);
    const jsonl = RECORDS.map((r) => JSON.stringify(r)).join('\n');
    const csv =
      'id,question,answer,aliases\r\nq1,What is the capital of France?,Paris,"paris, france"\r\nq2,How many legs has a spider?,8,\r\n';
    const fromJson = parseImportedExamples('JSON', json);
    expect(fromJson).toEqual(RECORDS);
    expect(parseImportedExamples('JSONL', jsonl)).toEqual(RECORDS);
    expect(parseImportedExamples('CSV', csv)).toEqual(RECORDS);
    expect(examplesHash(fromJson)).toMatch(/^[0-9a-f]{64}$/);
    expect(examplesHash(parseImportedExamples('CSV', csv))).toBe(examplesHash(fromJson));
  });

  it('should accept numbers for ids and answers, omitted aliases, blank JSONL lines and a byte-order mark', () => {
    const content =
      '\uFEFF{"id": 7, "question": "2 + 2?", "answer": 4}\n\n{"id": "b", "question": "Q?", "answer": "A", "aliases": null}\n';
    expect(parseImportedExamples('JSONL', content)).toEqual([
      { id: '7', question: '2 + 2?', answer: '4', aliases: [] },
      { id: 'b', question: 'Q?', answer: 'A', aliases: [] },
    ]);
  });

  it('should read CSV quoting: commas, doubled quotes, line breaks, "|" and JSON alias lists', () => {
    const csv = [
      'question,id,answer,aliases,notes',
      '"Say ""hi"", then',
      'wave?",c1,hi,"hello|hey",x',
      'Who?,c2,Ann,"[""Anne"", ""Annie""]",',
    ].join('\n');
    expect(parseImportedExamples('CSV', csv)).toEqual([
      {
        id: 'c1',
        question: 'Say "hi", then\nwave?',
        answer: 'hi',
        aliases: ['hello', 'hey'],
        metadata: { notes: 'x' },
      },
      { id: 'c2', question: 'Who?', answer: 'Ann', aliases: ['Anne', 'Annie'] },
    ]);
  });

  it.each([
    [
      'JSONL',
      '{"id":"a","question":"Q?","answer":"A"}\n{"id":"b","question":"Q?",}\n',
      2,
      'not valid JSON',
    ],
    [
      'JSONL',
      '{"id":"a","question":"Q?","answer":"A"}\n\n{"id":"b","question":"Q?"}',
      3,
      '"answer" is missing',
    ],
    [
      'JSONL',
      '{"id":"a","question":"Q?","answer":"A"}\n["a","b"]',
      2,
      'expected an object {id, question, answer, aliases}',
    ],
    [
      'JSON',
      '[\n  {"id":"a","question":"Q?","answer":"A"},\n  {"id":"b","question":"Q?","answer":"  "}\n]',
      3,
      '"answer" is empty',
    ],
    [
      'JSON',
      '[\n  {"id":"a","question":"Q?","answer":"A"},\n  {"id":"b","question":"Q?","answer":"B",}\n]',
      3,
      'not valid JSON',
    ],
    [
      'JSON',
      '[\n  {"id":"a","question":"Q?","answer":"A"},\n  {"id":"b", "question": tru}\n]',
      3,
      'not valid JSON',
    ],
    ['JSON', '{"id":"a","question":"Q?","answer":"A"}', 1, 'expected a JSON array of records'],
    [
      'JSON',
      '[\n {"id":"a","question":"Q?","answer":"A","aliases":"A2"}\n]',
      2,
      '"aliases" must be a list of strings',
    ],
    ['CSV', 'id,question,answer\na,Q?,A\nb,Q?\n', 3, 'expected 3 fields like the header, found 2'],
    ['CSV', 'id,question,answer\na,"Q?,A\nb,Q?,B\n', 2, 'a quoted field is never closed'],
    ['CSV', 'id,question,answer\na,Q "x" ?,A\n', 2, 'a quote inside an unquoted field'],
    ['CSV', 'id,question\na,Q?\n', 2, '"answer" is missing'],
    ['CSV', 'id,id,answer\n', 1, 'column "id" appears twice in the header'],
  ] as const)(
    'should refuse bad %s with the line of the problem (%#)',
    (format, content, line, problem) => {
      const error = refusal(format, content);
      expect(error.line).toBe(line);
      expect(error.message).toContain(`content: line ${line}: ${problem}`);
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.field).toBe('content');
    },
  );

  it('should refuse a duplicate id, naming both lines', () => {
    const content = [
      '{"id":"a","question":"Q1?","answer":"A"}',
      '{"id":"b","question":"Q2?","answer":"B"}',
      '{"id":"a","question":"Q3?","answer":"C"}',
    ].join('\n');
    expect(refusal('JSONL', content)).toMatchObject({
      line: 3,
      message: 'content: line 3: id "a" is already used on line 1',
    });
  });

  it('should refuse a file without records', () => {
    expect(refusal('JSONL', '\n\n')).toMatchObject({
      line: null,
      message: 'content: the file contains no records',
    });
    expect(refusal('JSON', '[]')).toMatchObject({ line: null });
    expect(refusal('CSV', 'id,question,answer\n')).toMatchObject({ line: null });
  });
});
