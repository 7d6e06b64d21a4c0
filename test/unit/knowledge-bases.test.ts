import { describe, expect, it } from 'vitest';
import { inferDatasetKind } from '../../server/engine/datasets/import.ts';
import {
  holmBonferroni,
  normalQuantile,
  wilsonInterval,
} from '../../server/engine/metrics/significance.ts';
import { chunkByWords } from '../../server/engine/retrieval/knowledge-base.ts';
import {
  parseKnowledgeDocuments,
  validateChunking,
} from '../../server/engine/retrieval/knowledge-base-import.ts';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1}`).join(' ');

describe('chunkByWords', () => {
  it('cuts windows of chunkSize words, each repeating chunkOverlap words of the one before', () => {
    const passages = chunkByWords(
      { id: 'a', title: 'A', text: words(10) },
      { chunkSize: 4, chunkOverlap: 1 },
    );
    expect(passages.map((p) => p.text)).toEqual(['w1 w2 w3 w4', 'w4 w5 w6 w7', 'w7 w8 w9 w10']);
    expect(passages.map((p) => p.id)).toEqual(['a#1', 'a#2', 'a#3']);
  });

  it('keeps a short document whole and never emits an empty tail', () => {
    expect(
      chunkByWords(
        { id: 'a', title: 'A', text: words(3) },
        { chunkSize: 256, chunkOverlap: 50 },
      ).map((p) => p.text),
    ).toEqual([words(3)]);
    expect(
      chunkByWords({ id: 'a', title: 'A', text: words(8) }, { chunkSize: 4, chunkOverlap: 0 }).map(
        (p) => p.text,
      ),
    ).toEqual(['w1 w2 w3 w4', 'w5 w6 w7 w8']);
  });
});

describe('parseKnowledgeDocuments', () => {
  it('reads JSON with and without ids, JSONL, CSV, Markdown and plain text', () => {
    expect(
      parseKnowledgeDocuments({
        format: 'JSON',
        content: '[{"title":"T","text":"x"},{"id":"k","title":"U","text":"y"}]',
      }),
    ).toEqual([
      { id: 'doc-1', title: 'T', text: 'x' },
      { id: 'k', title: 'U', text: 'y' },
    ]);
    expect(
      parseKnowledgeDocuments({
        format: 'JSONL',
        content: '{"title":"T","text":"x"}\n\n{"title":"U","text":"y"}\n',
      }).map((d) => d.id),
    ).toEqual(['doc-1', 'doc-2']);
    expect(
      parseKnowledgeDocuments({ format: 'CSV', content: 'title,text\n"A, b","c ""d"""\n' }),
    ).toEqual([{ id: 'doc-1', title: 'A, b', text: 'c "d"' }]);
    expect(
      parseKnowledgeDocuments({ format: 'MARKDOWN', content: 'intro\n\n## The Heading\nbody' })[0]!
        .title,
    ).toBe('The Heading');
    expect(parseKnowledgeDocuments({ format: 'TEXT', content: 'First line\nmore' })[0]!.title).toBe(
      'First line',
    );
    expect(
      parseKnowledgeDocuments({ format: 'TEXT', content: 'First line', title: 'Given' })[0]!.title,
    ).toBe('Given');
  });
});

describe('validateChunking', () => {
  it('defaults to 256/50 and caps the default overlap at half a small chunk', () => {
    expect(validateChunking(null, null)).toEqual({ chunkSize: 256, chunkOverlap: 50 });
    expect(validateChunking(40, null)).toEqual({ chunkSize: 40, chunkOverlap: 20 });
  });
  it.each([
    [50, 50],
    [50, 60],
    [8, -1],
  ])('refuses chunkSize %d with chunkOverlap %d', (size, overlap) => {
    expect(() => validateChunking(size, overlap)).toThrow(/chunkOverlap/);
  });
});

describe('inferDatasetKind', () => {
  const record = (answer: string, extra: Record<string, unknown> = {}) => ({
    id: answer,
    question: 'q',
    answer,
    aliases: [],
    ...extra,
  });
  it.each([
    ['AGENT', [record('a', { steps: [{ tool: 'search', input: 'x' }] })]],
    ['KNOWLEDGE', [record('a', { metadata: { context: 'text' } })]],
    ['KNOWLEDGE', [record('a', { metadata: { evidence_source: 'Paris' } })]],
    ['MULTI_HOP', [record('a', { metadata: { hops: 2 } })]],
    ['MATH', [record('a', { solution: 'because' })]],
    ['MATH', [record('12'), record('$3.50'), record('1,000'), record('7'), record('Paris')]],
    ['GENERAL', [record('Paris'), record('12')]],
  ] as const)('%s', (kind, examples) => {
    expect(inferDatasetKind(examples)).toBe(kind);
  });
});

describe('holmBonferroni', () => {
  it('matches the procedure by hand, in input order', () => {
    // sorted: 0.01 (×4 = 0.04), 0.02 (×3 = 0.06), 0.03 (×2 = 0.06), 0.5 (×1 = 0.5)
    expect(holmBonferroni([0.03, 0.5, 0.01, 0.02]).map((p) => Number(p.toFixed(12)))).toEqual([
      0.06, 0.5, 0.04, 0.06,
    ]);
  });
  it('keeps adjusted values monotone and at most 1', () => {
    // sorted: 0.04 (×3 = 0.12), 0.045 (×2 = 0.09 → raised to 0.12), 0.9 (×1 = 0.9)
    expect(holmBonferroni([0.9, 0.045, 0.04]).map((p) => Number(p.toFixed(12)))).toEqual([
      0.9, 0.12, 0.12,
    ]);
    expect(holmBonferroni([0.6, 0.7])).toEqual([1, 1]);
  });
});

describe('wilsonInterval', () => {
  it('gives the textbook interval for 8 of 10 at 95 %', () => {
    const interval = wilsonInterval(8, 10, 0.95);
    expect(interval.estimate).toBe(0.8);
    expect(interval.lower).toBeCloseTo(0.4902, 4);
    expect(interval.upper).toBeCloseTo(0.9433, 4);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
  });
});
