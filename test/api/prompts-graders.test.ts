import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, errorCode, FAST, read } from '../helpers/experiments.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

const CREATE_PROMPT = `mutation ($input: CreatePromptInput!) { createPrompt(input: $input) { name version variables } }`;
const CREATE_VERSION = `mutation ($input: CreatePromptVersionInput!) { createPromptVersion(input: $input) { name version template } }`;
const IMPORT_DATASET = `mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { name size } }`;
const CREATE = `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`;

/** Answers are JSON so that every grader kind has something to check. */
const JSON_RECORDS = [
  { id: 'j1', question: 'Give the point as JSON', answer: '{"x":1,"y":2}', category: 'geometry' },
  { id: 'j2', question: 'Give the pair as JSON', answer: '{"a":"b","n":3}', category: 'pairs' },
  { id: 'j3', question: 'Give the list as JSON', answer: '{"items":[1,2,3]}', category: 'lists' },
  { id: 'j4', question: 'Give the count as JSON', answer: '{"count":42}', category: 'numbers' },
  {
    id: 'j5',
    question: 'A very long string of a',
    answer: `${'a'.repeat(40)}!`,
    category: 'strings',
  },
];

describe('prompts as versioned data and graders', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    const imported = await t.gql(IMPORT_DATASET, {
      input: { name: 'json_answers', format: 'JSON', content: JSON.stringify(JSON_RECORDS) },
    });
    expect(imported.errors).toBeUndefined();
  });
  afterAll(() => t.dispose());

  it('should keep versions immutable and refuse a stale baseVersion, an unknown variable and a taken name, storing nothing', async () => {
    const first = await t.gql(CREATE_PROMPT, {
      input: {
        name: 'terse',
        template: 'Category {{metadata.category}}. Answer {{ question }} briefly.',
      },
    });
    expect(first.errors).toBeUndefined();
    expect(first.data!.createPrompt).toEqual({
      name: 'terse',
      version: 1,
      variables: ['metadata.category', 'question'],
    });
    const second = await t.gql(CREATE_VERSION, {
      input: { name: 'terse', template: 'Answer with JSON only.', baseVersion: 1 },
    });
    expect(second.data!.createPromptVersion).toEqual({
      name: 'terse',
      version: 2,
      template: 'Answer with JSON only.',
    });

    const stale = await t.gql(CREATE_VERSION, {
      input: { name: 'terse', template: 'Another edit', baseVersion: 1 },
    });
    expect(errorCode(stale)).toBe('CONFLICT');
    expect(stale.errors![0]!.message).toContain('is at version 2, not 1');
    const unknown = await t.gql(CREATE_PROMPT, {
      input: { name: 'bad', template: 'Hello {{answer}}' },
    });
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    expect(unknown.errors![0]!.message).toContain('unknown variable {{answer}}');
    const taken = await t.gql(CREATE_PROMPT, { input: { name: 'terse', template: 'x' } });
    expect(errorCode(taken)).toBe('CONFLICT');
    expect(await count(t, 'select count(*) as n from prompt_versions')).toBe(2);

    const listed = await t.gql(
      `{ prompts { name latestVersion versions { version } } prompt(name: "terse", version: 1) { template } }`,
    );
    expect(listed.data!.prompts).toEqual([
      { name: 'terse', latestVersion: 2, versions: [{ version: 1 }, { version: 2 }] },
    ]);
    expect(listed.data!.prompt.template).toBe(
      'Category {{metadata.category}}. Answer {{ question }} briefly.',
    );
  });

  it('should render the prompt in place of the instructions, never re-expanding braces in values, and keep the method parsing', async () => {
    await t.gql(CREATE_PROMPT, {
      input: { name: 'echo', template: 'Q={{question}} C={{metadata.category}}' },
    });
    await t.gql(IMPORT_DATASET, {
      input: {
        name: 'braces',
        format: 'JSON',
        content: JSON.stringify([
          {
            id: 'b1',
            question: 'What is {{context}} here?',
            answer: 'x',
            category: '{{question}}',
          },
        ]),
      },
    });
    const id = await launch(t, 'braces', {
      provider: FAST,
      datasetName: 'braces',
      prompt: { name: 'echo', version: 1 },
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(
      t,
      id,
      'config { prompt { name version } } samples(first: 1) { nodes { prompt parsedAnswer } }',
    );
    expect(experiment.config.prompt).toEqual({ name: 'echo', version: 1 });
    const messages = experiment.samples.nodes[0].prompt as { role: string; content: string }[];
    expect(messages[0]).toEqual({
      role: 'system',
      content: 'Q=What is {{context}} here? C={{question}}',
    });
    expect(messages[1]).toEqual({
      role: 'user',
      content: 'Question: What is {{context}} here?\nAnswer:',
    });
    expect(experiment.samples.nodes[0].parsedAnswer).not.toBeNull();
  });

  it('should refuse bad prompt and grader config at creation and store nothing', async () => {
    const before = await count(t, 'select count(*) as n from experiments');
    const cases: [Record<string, unknown>, string][] = [
      [
        { prompt: { name: 'terse', version: 1 } },
        'config.prompt: unknown variable {{metadata.category}}: no record of the dataset has a "category" field',
      ],
      [
        { prompt: { name: 'terse', version: 9 } },
        'config.prompt: unknown prompt "terse" version 9',
      ],
      [
        { graders: [{ kind: 'REGEX', value: '(a+' }] },
        'config.graders[0].value: invalid regular expression',
      ],
      [
        { graders: [{ kind: 'JSON_EQUALS', value: '{not json' }] },
        'config.graders[0].value: must be JSON',
      ],
      [
        { graders: [{ kind: 'JSON_PATH', path: 'items' }] },
        'config.graders[0].path: a path starts with $',
      ],
      [
        { graders: [{ kind: 'CONTAINS', tolerance: 1 }] },
        'config.graders[0].tolerance: only applies to NUMERIC',
      ],
    ];
    for (const [config, message] of cases) {
      const result = await t.gql(CREATE, {
        input: { name: 'bad', config: { provider: FAST, ...config } },
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toContain(message);
    }
    expect(await count(t, 'select count(*) as n from experiments')).toBe(before);
  });

  it('should run every grader kind, store and export per-sample verdicts, and end a catastrophic REGEX as a grader error', async () => {
    const graders = [
      { kind: 'EXACT_MATCH' },
      { kind: 'CONTAINS', value: '{' },
      { kind: 'REGEX', value: '(a+)+$' },
      { kind: 'JSON_VALID' },
      { kind: 'JSON_EQUALS', weight: 2 },
      { kind: 'JSON_PATH', path: '$.count', value: '42' },
      { kind: 'NUMERIC', value: '42', tolerance: 0.5 },
      { kind: 'LLM_RUBRIC', value: 'The answer states the expected JSON.' },
    ];
    const id = await launch(t, 'graded', {
      provider: FAST,
      datasetName: 'json_answers',
      numSamples: 5,
      graders,
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(
      t,
      id,
      `metrics { grading { graders { key kind evaluated passed errors passRate { estimate lower upper } } weightedScore { estimate lower upper }
         failureModes { mode count } } }
       currentAttemptDetail: attempts { manifestHash manifest }
       samples(first: 10) { nodes { exampleId correct parsedAnswer failureMode grades { kind pass score reason error } } }`,
    );
    const samples = experiment.samples.nodes as {
      exampleId: string;
      correct: boolean;
      parsedAnswer: string;
      failureMode: string | null;
      grades: { kind: string; pass: boolean; error: string | null; reason: string }[];
    }[];
    expect(samples).toHaveLength(5);
    for (const sample of samples)
      expect(sample.grades.map((g) => g.kind)).toEqual(graders.map((g) => g.kind));
    const long = samples.find((s) => s.exampleId === 'j5')!;
    const regex = long.grades[2]!;
    if (long.parsedAnswer === JSON_RECORDS[4]!.answer) {
      expect(regex.error).toContain('budget');
      expect(regex.pass).toBe(false);
    }
    const stats = experiment.metrics.grading.graders as {
      key: string;
      kind: string;
      evaluated: number;
      passed: number;
      errors: number;
    }[];
    expect(stats.map((s) => s.key)).toEqual(graders.map((_g, i) => `config[${i}]`));
    for (const stat of stats) expect(stat.evaluated).toBe(5);
    const correct = samples.filter((s) => s.correct).length;
    // The simulator answers a correct sample with the gold JSON, so EXACT_MATCH and JSON_EQUALS pass exactly there.
    expect(stats[0]!.passed).toBe(
      samples.filter(
        (s) => s.parsedAnswer === JSON_RECORDS.find((r) => r.id === s.exampleId)!.answer,
      ).length,
    );
    expect(stats[3]!.passed).toBeGreaterThanOrEqual(
      samples.filter((s) => s.correct && s.exampleId !== 'j5').length,
    );
    const modes = Object.fromEntries(
      (experiment.metrics.grading.failureModes as { mode: string; count: number }[]).map((m) => [
        m.mode,
        m.count,
      ]),
    );
    expect(Object.values(modes).reduce((a, b) => a + b, 0)).toBe(5 - correct);
    console.log(
      'grader pass rates',
      JSON.stringify(
        experiment.metrics.grading.graders.map(
          (g: { kind: string; passed: number; evaluated: number; errors: number }) =>
            `${g.kind} ${g.passed}/${g.evaluated} errors ${g.errors}`,
        ),
      ),
    );

    const attempt = experiment.currentAttemptDetail[0];
    expect(attempt.manifestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(attempt.manifest.graders).toHaveLength(8);
    expect(attempt.manifest.dataset.name).toBe('json_answers');

    const exported = await t.fetch(`/api/v1/results/${id}/export?format=json`);
    expect(exported.status).toBe(200);
    const body = (await exported.json()) as {
      samples: { grades: unknown[]; failure_mode: string | null }[];
    };
    const rows = body.samples;
    expect(rows.every((row) => Array.isArray(row.grades) && row.grades.length === 8)).toBe(true);
  });

  it('should run the graders a record carries in its metadata after the experiment’s', async () => {
    const records = [
      {
        id: 'r1',
        question: 'Two plus two?',
        answer: '4',
        graders: [{ kind: 'NUMERIC', value: '4', tolerance: 0 }],
      },
      {
        id: 'r2',
        question: 'Capital of France?',
        answer: 'Paris',
        graders: [{ kind: 'REGEX', value: '(' }],
      },
    ];
    await t.gql(IMPORT_DATASET, {
      input: { name: 'record_graders', format: 'JSON', content: JSON.stringify(records) },
    });
    const id = await launch(t, 'record graders', {
      provider: FAST,
      datasetName: 'record_graders',
      graders: [{ kind: 'CONTAINS' }],
    });
    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const experiment = await read(
      t,
      id,
      'metrics { grading { graders { key evaluated errors } } } samples(first: 5) { nodes { exampleId parsedAnswer grades { kind pass fromRecord error } } }',
    );
    const byId = Object.fromEntries(
      (
        experiment.samples.nodes as {
          exampleId: string;
          parsedAnswer: string;
          grades: { kind: string; pass: boolean; fromRecord: boolean; error: string | null }[];
        }[]
      ).map((n) => [n.exampleId, n]),
    );
    expect(byId.r1!.grades.map((g) => [g.kind, g.fromRecord])).toEqual([
      ['CONTAINS', false],
      ['NUMERIC', true],
    ]);
    expect(byId.r1!.grades[1]!.pass).toBe(byId.r1!.parsedAnswer === '4');
    expect(byId.r2!.grades[1]).toMatchObject({ kind: 'REGEX', pass: false, fromRecord: true });
    expect(byId.r2!.grades[1]!.error).toContain('invalid regular expression');
    expect(experiment.metrics.grading.graders).toEqual([
      { key: 'config[0]', evaluated: 2, errors: 0 },
      { key: 'record:NUMERIC', evaluated: 1, errors: 0 },
      { key: 'record:REGEX', evaluated: 1, errors: 1 },
    ]);
  });
});
