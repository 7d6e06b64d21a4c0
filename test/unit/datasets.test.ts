import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArithmeticDataset } from '../../server/engine/datasets/arithmetic.ts';
import { createInMemoryDataset } from '../../server/engine/datasets/dataset.ts';
import { DatasetFileError, parseDatasetRecords } from '../../server/engine/datasets/files.ts';
import { canonicalJson, sha256Hex } from '../../server/engine/hashing.ts';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { sampleIndices } from '../../server/engine/datasets/sampling.ts';

const DATA_DIR = fileURLToPath(new URL('../../server/data/', import.meta.url));

const MINIMUM_SIZES: Record<string, number> = {
  sample: 10,
  trivia_qa: 100,
  commonsense_qa: 30,
  multi_hop: 40,
  math_reasoning: 40,
  react_bench: 30,
  knowledge_base: 50,
};

let registry: DatasetRegistry;
beforeAll(async () => {
  registry = await DatasetRegistry.loadBuiltins();
});

describe('built-in datasets', () => {
  it.each(Object.entries(MINIMUM_SIZES))('%s loads with at least %i examples', (name, minimum) => {
    const dataset = registry.get(name);
    expect(dataset?.source).toBe('builtin');
    expect(dataset?.size).toBeGreaterThanOrEqual(minimum);
    expect(dataset?.description.length).toBeGreaterThan(10);
    expect(dataset?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const first = dataset?.at(0);
    expect(first?.id).toMatch(/\S/);
    expect(first?.question).toMatch(/\S/);
    expect(first?.answer).toMatch(/\S/);
    expect(Array.isArray(first?.aliases)).toBe(true);
  });

  it('lists every dataset, arithmetic included, sorted by name', () => {
    const names = registry.list().map((dataset) => dataset.name);
    expect(names).toEqual([...Object.keys(MINIMUM_SIZES), 'arithmetic'].sort());
  });

  it('carries worked solutions and tool-step hints through', () => {
    const math = registry.get('math_reasoning');
    const react = registry.get('react_bench');
    expect(math?.at(0).solution).toMatch(/\S/);
    expect(react?.at(0).steps?.length).toBeGreaterThan(0);
  });

  it('loads at least 50 knowledge-base articles and the 5 CoT examples', () => {
    expect(registry.articles.length).toBeGreaterThanOrEqual(50);
    expect(new Set(registry.articles.map((article) => article.id)).size).toBe(
      registry.articles.length,
    );
    expect(registry.articles[0]?.text).toMatch(/\S/);
    expect(registry.cotExamples).toHaveLength(5);
    expect(registry.cotExamples[0]?.reasoning).toMatch(/\S/);
  });

  it('has the same content hash on every load, matching the canonical JSON of the file', async () => {
    const again = await DatasetRegistry.loadBuiltins();
    for (const dataset of registry.list()) {
      expect(again.get(dataset.name)?.contentHash).toBe(dataset.contentHash);
    }
    const raw: unknown = JSON.parse(
      await readFile(join(DATA_DIR, 'datasets', 'sample.json'), 'utf8'),
    );
    expect(registry.get('sample')?.contentHash).toBe(sha256Hex(canonicalJson(raw)));
    expect(new Set(registry.list().map((dataset) => dataset.contentHash)).size).toBe(
      registry.list().length,
    );
  });

  it('throws a RangeError outside the dataset', () => {
    const sample = registry.get('sample');
    expect(() => sample?.at(-1)).toThrow(RangeError);
    expect(() => sample?.at(sample.size)).toThrow(RangeError);
  });
});

describe('arithmetic dataset', () => {
  const arithmetic = createArithmeticDataset();

  it('has exactly 100 000 generated items', () => {
    expect(arithmetic.size).toBe(100_000);
    expect(arithmetic.source).toBe('generated');
    expect(arithmetic.at(0).id).toBe('ar000001');
    expect(arithmetic.at(99_999).id).toBe('ar100000');
    expect(() => arithmetic.at(100_000)).toThrow(RangeError);
  });

  it('builds the same item for the same index, independently of other calls', () => {
    const fresh = createArithmeticDataset();
    for (const index of [0, 1, 77, 50_000, 99_999]) {
      expect(fresh.at(index)).toEqual(arithmetic.at(index));
    }
    expect(fresh.contentHash).toBe(arithmetic.contentHash);
  });

  it('asks arithmetic questions whose answers are right', () => {
    for (const index of [0, 1, 2, 3, 4, 5, 12_345, 99_998]) {
      const { question, answer } = arithmetic.at(index);
      const match = /^What is (\d+) ([+*-]) (\d+)\?$/.exec(question);
      expect(match, question).not.toBeNull();
      const [, a, op, b] = match ?? [];
      const expected =
        op === '+'
          ? Number(a) + Number(b)
          : op === '-'
            ? Number(a) - Number(b)
            : Number(a) * Number(b);
      expect(answer).toBe(String(expected));
    }
  });

  it('varies the operation between neighbouring items', () => {
    const operators = new Set(
      Array.from({ length: 9 }, (_, index) => /[+*-]/.exec(arithmetic.at(index).question)?.[0]),
    );
    expect(operators).toEqual(new Set(['+', '-', '*']));
  });
});

describe('sampleIndices', () => {
  it('is deterministic for a seed', () => {
    expect(sampleIndices(100_000, 500, 42)).toEqual(sampleIndices(100_000, 500, 42));
  });

  it('returns the requested number of distinct indices in range', () => {
    const picked = sampleIndices(100_000, 10_000, 7);
    expect(picked).toHaveLength(10_000);
    expect(new Set(picked).size).toBe(10_000);
    expect(picked.every((index) => Number.isInteger(index) && index >= 0 && index < 100_000)).toBe(
      true,
    );
  });

  it('depends on the seed', () => {
    expect(sampleIndices(1000, 20, 1)).not.toEqual(sampleIndices(1000, 20, 2));
  });

  it('does not return the first indices in order when sampling', () => {
    expect(sampleIndices(1000, 20, 42)).not.toEqual(
      Array.from({ length: 20 }, (_, index) => index),
    );
  });

  it('returns every index in file order when count >= size', () => {
    expect(sampleIndices(5, 5, 42)).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(5, 100, 9)).toEqual([0, 1, 2, 3, 4]);
  });

  it('handles the edges', () => {
    expect(sampleIndices(10, 0, 1)).toEqual([]);
    expect(sampleIndices(0, 3, 1)).toEqual([]);
    expect(() => sampleIndices(10, -1, 1)).toThrow(RangeError);
  });
});

describe('findByQuestion', () => {
  it('finds a file-dataset question, ignoring surrounding and repeated whitespace', () => {
    const trivia = registry.get('trivia_qa');
    const example = trivia?.at(3);
    const spaced = `  ${example?.question.replace(/ /g, '  ')}\n`;
    const found = registry.findByQuestion(spaced);
    expect(found?.example.answer).toBe(example?.answer);
    expect(found?.dataset.name).toBeDefined();
  });

  it('finds every question of math_reasoning', () => {
    const math = registry.get('math_reasoning');
    for (let index = 0; index < (math?.size ?? 0); index++) {
      const example = math?.at(index);
      expect(registry.findByQuestion(example?.question ?? '')?.example.answer).toBe(
        example?.answer,
      );
    }
  });

  it('recognises generated arithmetic questions', () => {
    const item = registry.get('arithmetic')?.at(31_415);
    const found = registry.findByQuestion(item?.question ?? '');
    expect(found?.dataset.name).toBe('arithmetic');
    expect(found?.example).toEqual(item);
  });

  it('returns undefined for unknown questions', () => {
    expect(
      registry.findByQuestion('What is the airspeed velocity of an unladen swallow?'),
    ).toBeUndefined();
    expect(registry.findByQuestion('What is 1 + 1?')).toBeUndefined();
  });
});

describe('register', () => {
  const imported = createInMemoryDataset(
    {
      name: 'my_import',
      description: 'Imported for the test.',
      source: 'imported',
      kind: 'GENERAL',
    },
    [{ id: 'i1', question: 'What colour is the test sky?', answer: 'Plaid', aliases: [] }],
    sha256Hex('x'),
  );

  it('adds an imported dataset that findByQuestion then knows', async () => {
    const local = await DatasetRegistry.loadBuiltins();
    local.register(imported);
    expect(local.get('my_import')).toBe(imported);
    expect(local.findByQuestion('What colour is the test sky?')?.example.answer).toBe('Plaid');
    expect(() => local.register(imported)).toThrow(/already registered/);
  });

  it('refuses to replace a built-in dataset', () => {
    const clash = createInMemoryDataset({ ...imported, name: 'trivia_qa' }, [], sha256Hex('y'));
    expect(() => registry.register(clash)).toThrow(/built in/);
  });
});

describe('file validation', () => {
  it('rejects duplicate ids, naming the file and the record', () => {
    const records = [
      { id: 'a', question: 'Q1?', answer: 'A1', aliases: [] },
      { id: 'a', question: 'Q2?', answer: 'A2', aliases: [] },
    ];
    expect(() => parseDatasetRecords(records, 'dup.json')).toThrow(/dup\.json.*record #2.*"a"/);
  });

  it('rejects a missing required string, naming the record id and the field', () => {
    const records = [{ id: 'q7', question: 'Q?', aliases: [] }];
    expect(() => parseDatasetRecords(records, 'bad.json')).toThrow(
      /bad\.json.*record #1 \(id "q7"\).*"answer"/,
    );
  });

  it('rejects malformed aliases and tool steps, and non-arrays', () => {
    expect(() =>
      parseDatasetRecords([{ id: 'a', question: 'Q', answer: 'A', aliases: [3] }], 'f.json'),
    ).toThrow(/"aliases"/);
    expect(() =>
      parseDatasetRecords(
        [{ id: 'a', question: 'Q', answer: 'A', steps: [{ tool: 'shell', input: 'ls' }] }],
        'f.json',
      ),
    ).toThrow(/"steps"/);
    expect(() => parseDatasetRecords({ id: 'a' }, 'f.json')).toThrow(DatasetFileError);
  });

  it('hashes the canonical JSON of the records, whatever the key order', () => {
    const a = { id: 'a', question: 'Q', answer: 'A', aliases: [] };
    const reordered = { aliases: [], answer: 'A', question: 'Q', id: 'a' };
    expect(sha256Hex(canonicalJson([a]))).toBe(sha256Hex(canonicalJson([reordered])));
    expect(sha256Hex(canonicalJson([a]))).not.toBe(
      sha256Hex(canonicalJson([{ ...a, answer: 'B' }])),
    );
  });

  describe('loading a broken data directory', () => {
    let brokenDir: string;
    beforeAll(async () => {
      brokenDir = await mkdtemp(join(tmpdir(), 'llmforge-data-'));
      await cp(DATA_DIR, brokenDir, { recursive: true });
      await writeFile(
        join(brokenDir, 'datasets', 'multi_hop.json'),
        '[{"id": "m1", "question": "Q?"',
      );
    });
    afterAll(async () => {
      await rm(brokenDir, { recursive: true, force: true });
    });

    it('fails with an error naming the file', async () => {
      await expect(DatasetRegistry.loadBuiltins(brokenDir)).rejects.toThrow(
        /multi_hop\.json.*not valid JSON/,
      );
    });
  });
});
