import { afterAll, describe, expect, it } from 'vitest';
import { validateGraders } from '../../server/engine/graders/config.ts';
import { failureMode } from '../../server/engine/graders/failure-mode.ts';
import { gradeSample, type GradingTools } from '../../server/engine/graders/grade.ts';
import { RegexSandbox } from '../../server/engine/graders/regex-sandbox.ts';
import { parseVerdict } from '../../server/engine/graders/rubric.ts';
import { renderTemplate, templateVariables } from '../../server/engine/prompts/template.ts';
import type { Example } from '../../server/engine/types.ts';

const sandbox = new RegexSandbox(100);
afterAll(() => sandbox.close());

function tools(judgeReply = '{"pass": true, "score": 0.75, "reason": "ok"}'): GradingTools {
  return { regex: (pattern, input) => sandbox.test(pattern, input), judge: async () => judgeReply };
}
const example = (answer: string, metadata?: Record<string, unknown>): Example => ({
  id: 'e',
  question: 'q?',
  answer,
  aliases: [],
  ...(metadata ? { metadata } : {}),
});

async function grade(graders: unknown[], answer: string, gold = answer, judgeReply?: string) {
  return gradeSample(
    validateGraders(graders as never),
    { answer, example: example(gold) },
    tools(judgeReply),
  );
}

describe('prompt templates', () => {
  it('should render in one pass, copying braces inside values as they are', () => {
    expect(
      renderTemplate('{{question}}|{{ metadata.tag }}|{{context}}', {
        question: '{{context}}',
        metadata: { tag: '{{question}}' },
      }),
    ).toBe('{{context}}|{{question}}|');
    expect(
      renderTemplate('{{metadata.n}} {{metadata.o}} {{metadata.missing}}.', {
        question: '',
        metadata: { n: 3, o: { a: 1 } },
      }),
    ).toBe('3 {"a":1} .');
  });

  it('should list variables and refuse unknown ones', () => {
    expect(templateVariables('{{question}} {{metadata.a}} {{question}}')).toEqual([
      'question',
      'metadata.a',
    ]);
    expect(() => templateVariables('{{answer}}')).toThrow('unknown variable {{answer}}');
    expect(() => templateVariables('{{metadata.}}')).toThrow('unknown variable {{metadata.}}');
  });
});

describe('graders', () => {
  it('should compare JSON ignoring key order and read JSON paths', async () => {
    const [equals, path, missing] = await grade(
      [
        { kind: 'JSON_EQUALS' },
        { kind: 'JSON_PATH', path: "$.items[1]['b c']", value: '2' },
        { kind: 'JSON_PATH', path: '$.nope' },
      ],
      '{"items":[0,{"b c":2}],"x":1}',
      '{"x":1,"items":[0,{"b c":2}]}',
    );
    expect(equals).toMatchObject({ pass: true, score: 1, error: null });
    expect(path).toMatchObject({ pass: true, reason: "$.items[1]['b c'] equals 2" });
    expect(missing).toMatchObject({ pass: false, reason: '$.nope is missing', error: null });
  });

  it('should check numbers within a tolerance and strings exactly or by containment', async () => {
    const results = await grade(
      [
        { kind: 'NUMERIC', value: '3.14', tolerance: 0.01 },
        { kind: 'NUMERIC', value: '3', tolerance: 0 },
        { kind: 'EXACT_MATCH', value: '3.141' },
        { kind: 'CONTAINS', value: '.14' },
      ],
      '3.141',
    );
    expect(results.map((r) => r.pass)).toEqual([true, false, true, true]);
  });

  it('should end catastrophic backtracking as a grader error within the budget, and keep matching afterwards', async () => {
    const [slow] = await grade([{ kind: 'REGEX', value: '(a+)+$' }], `${'a'.repeat(40)}!`);
    expect(slow).toMatchObject({
      pass: false,
      score: 0,
      error: 'the pattern ran past its 100 ms budget (catastrophic backtracking?)',
    });
    const [fast] = await grade([{ kind: 'REGEX', value: '^a+!$' }], `${'a'.repeat(40)}!`);
    expect(fast).toMatchObject({ pass: true, error: null });
  });

  it('should take a valid judge verdict and report a malformed one as a grader error with the reason', async () => {
    const [good] = await grade([{ kind: 'LLM_RUBRIC', value: 'Is it polite?' }], 'yes');
    expect(good).toMatchObject({ pass: true, score: 0.75, reason: 'ok', error: null });
    const [bad] = await grade(
      [{ kind: 'LLM_RUBRIC', value: 'Is it polite?' }],
      'yes',
      'yes',
      '{"pass": "maybe"}',
    );
    expect(bad).toMatchObject({
      pass: false,
      score: 0,
      error: 'malformed verdict: "pass" must be true or false',
    });
    expect(parseVerdict('Sure! PASS')).toEqual({ error: expect.stringMatching(/^not JSON/) });
    expect(parseVerdict('```json\n{"pass": false}\n```')).toEqual({
      pass: false,
      score: 0,
      reason: '',
    });
  });

  it('should run a record’s own graders after the experiment’s and report an invalid one as an error', async () => {
    const results = await gradeSample(
      [],
      {
        answer: 'x',
        example: example('x', {
          graders: [
            { kind: 'CONTAINS', value: 'x' },
            { kind: 'REGEX', value: '(' },
          ],
        }),
      },
      tools(),
    );
    expect(results.map((r) => [r.kind, r.pass, r.fromRecord, r.error === null])).toEqual([
      ['CONTAINS', true, true, true],
      ['REGEX', false, true, false],
    ]);
  });

  it('should refuse bad grader config with the field', () => {
    expect(() => validateGraders([{ kind: 'REGEX', value: '(a' }])).toThrow(
      /^config\.graders\[0\]\.value: invalid regular expression/,
    );
    expect(() => validateGraders([{ kind: 'JSON_EQUALS', value: 'nope' }])).toThrow(
      /^config\.graders\[0\]\.value: must be JSON/,
    );
    expect(() => validateGraders([{ kind: 'LLM_RUBRIC' }])).toThrow(
      'config.graders[0].value: LLM_RUBRIC needs a rubric',
    );
    expect(() => validateGraders([{ kind: 'SIMILAR' }])).toThrow(
      'config.graders[0].kind: must be one of',
    );
  });
});

describe('failure modes', () => {
  const base = { error: null, correct: false, rawOutput: null };
  it('should tell errors, refusals, empty answers, hedges and plain wrong answers apart', () => {
    expect(failureMode({ ...base, error: 'timeout', parsedAnswer: null })).toBe('ERROR');
    expect(failureMode({ ...base, correct: true, parsedAnswer: 'Paris' })).toBeNull();
    expect(failureMode({ ...base, parsedAnswer: "I don't know" })).toBe('REFUSAL');
    expect(failureMode({ ...base, parsedAnswer: '' })).toBe('UNPARSEABLE');
    expect(failureMode({ ...base, parsedAnswer: 'Paris or Lyon' })).toBe('HEDGE');
    expect(failureMode({ ...base, parsedAnswer: 'Lyon' })).toBe('WRONG');
  });
});
