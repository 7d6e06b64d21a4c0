import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetRegistry } from '../../server/engine/datasets/registry.ts';
import { canonicalJson, sha256Hex } from '../../server/engine/hashing.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const IMPORT = `mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { name source size contentHash description } }`;
const CITIES = [
  'Lisbon',
  'Oslo',
  'Nairobi',
  'Lima',
  'Hanoi',
  'Quito',
  'Accra',
  'Riga',
  'Doha',
  'Perth',
];

/** 1000 JSONL lines: every question distinct, so the simulator's oracle can tell them apart. */
function thousandRecords() {
  return Array.from({ length: 1000 }, (_, i) => ({
    id: `imp-${i + 1}`,
    question: `Which city hosts the regional office numbered ${i + 1} in the import test?`,
    answer: CITIES[i % CITIES.length]!,
    ...(i % 3 === 0 ? { aliases: [`${CITIES[i % CITIES.length]} City`] } : {}),
  }));
}

describe('importing datasets through the GraphQL API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  const storedImports = async () =>
    Number(
      (
        await t.app.orm.em
          .fork()
          .getConnection()
          .execute<{ n: unknown }[]>('select count(*) as n from imported_datasets')
      )[0]!.n,
    );

  it('should refuse a malformed file with its line number and store nothing', async () => {
    const before = (await t.gql(`{ datasets { name } }`)).data!.datasets;
    const lines = thousandRecords().map((record) => JSON.stringify(record));
    lines[41] = '{"id": "imp-42", "question": "Which city hosts office 42?", "answer": }';
    const result = await t.gql(IMPORT, {
      input: { name: 'broken_import', format: 'JSONL', content: lines.join('\n') },
    });
    expect(result.data).toBeNull();
    expect(result.errors![0]!.message).toMatch(/^content: line 42: not valid JSON/);
    expect(result.errors![0]!.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'content',
      line: 42,
    });
    expect((await t.gql(`{ datasets { name } }`)).data!.datasets).toEqual(before);
    expect(await storedImports()).toBe(0);
  });

  it('should refuse duplicate ids with both lines, and store nothing', async () => {
    const content =
      'id,question,answer\nd1,First question?,A\nd2,Second question?,B\nd1,Third question?,C\n';
    const result = await t.gql(IMPORT, { input: { name: 'duplicates', format: 'CSV', content } });
    expect(result.errors![0]!.message).toBe('content: line 4: id "d1" is already used on line 2');
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', line: 4 });
    expect(await storedImports()).toBe(0);
  });

  describe('a 1000-line JSONL file', () => {
    const records = thousandRecords();
    let imported: Record<string, unknown>;
    beforeAll(async () => {
      const content = `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
      expect(content.split('\n').filter((line) => line !== '')).toHaveLength(1000);
      const result = await t.gql(IMPORT, {
        input: {
          name: 'offices_1000',
          format: 'JSONL',
          content,
          description: 'Generated office cities',
        },
      });
      expect(result.errors).toBeUndefined();
      imported = result.data!.importDataset;
    });

    it('should be registered and listed by datasets with its count and content hash', async () => {
      const withAliases = records.map((record) => ({ aliases: [], ...record }));
      const expectedHash = sha256Hex(canonicalJson(withAliases));
      expect(imported).toEqual({
        name: 'offices_1000',
        source: 'imported',
        size: 1000,
        contentHash: expectedHash,
        description: 'Generated office cities',
      });
      const listed = (await t.gql(`{ datasets { name source size contentHash } }`)).data!.datasets;
      expect(listed.find((d: { name: string }) => d.name === 'offices_1000')).toEqual({
        name: 'offices_1000',
        source: 'imported',
        size: 1000,
        contentHash: expectedHash,
      });
      expect(await storedImports()).toBe(1);
    });

    it('should run all 1000 examples, answered by a simulator that knows the imported answers', async () => {
      const id = await launch(t, 'on the import', {
        datasetName: 'offices_1000',
        numSamples: 1000,
        provider: { kind: 'SIMULATED', latencyMs: 0 },
      });
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
      const result = await t.gql(
        `query ($id: ID!) { experiment(id: $id) { progress { done total failed } metrics { accuracyAny }
          samples(first: 1000, correct: true) { totalCount nodes { exampleId expectedAnswer parsedAnswer } } } }`,
        { id },
      );
      const experiment = result.data!.experiment;
      expect(experiment.progress).toEqual({ done: 1000, total: 1000, failed: 0 });
      // An unknown question gets "I don't know" (accuracy 0); NAIVE knows general questions 62 % of the time.
      expect(experiment.metrics.accuracyAny).toBeGreaterThan(0.5);
      expect(experiment.samples.totalCount).toBe(experiment.metrics.accuracyAny * 1000);
      const gold = new Map(records.map((record) => [record.id, record.answer]));
      for (const sample of experiment.samples.nodes)
        expect(sample.parsedAnswer).toBe(gold.get(sample.exampleId));
    });

    it('should refuse a second dataset with the same name, or a built-in name, as a CONFLICT', async () => {
      for (const name of ['offices_1000', 'trivia_qa']) {
        const result = await t.gql(IMPORT, {
          input: { name, format: 'JSONL', content: '{"id":"x","question":"Q?","answer":"A"}' },
        });
        expect(result.errors![0]!.extensions!.code).toBe('CONFLICT');
      }
      expect(await storedImports()).toBe(1);
    });
  });

  it.each([
    [
      { name: 'bad name!', format: 'JSONL', content: '{"id":"x","question":"Q?","answer":"A"}' },
      'name',
    ],
    [{ name: 'no_content', format: 'JSONL' }, 'content'],
  ])('should refuse %j naming the field', async (input, field) => {
    const result = await t.gql(IMPORT, { input });
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('should accept the file as a multipart upload', async () => {
    const csv =
      'id,question,answer,aliases\nu1,What colour is the uploaded sky?,blue,azure|sky blue\n';
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: IMPORT,
        variables: { input: { name: 'uploaded_csv', format: 'CSV', file: null } },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', new File([csv], 'sky.csv', { type: 'text/csv' }));
    // A multipart mutation carries the CSRF header (a cross-site form cannot add it).
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'x-llmforge-csrf': '1' },
      body: form,
    });
    const result = await response.json();
    expect(result.errors).toBeUndefined();
    expect(result.data.importDataset).toMatchObject({
      name: 'uploaded_csv',
      size: 1,
      source: 'imported',
    });
  });

  it('should register stored imports again when the server starts on the same database', async () => {
    const path = t.databasePath;
    const restarted = await createTestApp(
      { databasePath: path },
      { datasets: await DatasetRegistry.loadBuiltins() },
    );
    try {
      const listed = (await restarted.gql(`{ datasets { name size } }`)).data!.datasets;
      expect(
        listed.filter((d: { name: string }) => ['offices_1000', 'uploaded_csv'].includes(d.name)),
      ).toEqual([
        { name: 'offices_1000', size: 1000 },
        { name: 'uploaded_csv', size: 1 },
      ]);
      expect(
        restarted.app.datasets.findByQuestion('What colour is the uploaded sky?')?.example.answer,
      ).toBe('blue');
    } finally {
      await restarted.app.stop();
    }
  });
});
