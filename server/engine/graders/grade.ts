import { canonicalJson } from '../hashing.ts';
import type { Example } from '../types.ts';
import { validateGrader, type GraderConfig, type GraderKind } from './config.ts';
import { parseJsonPath, readJsonPath } from './json-path.ts';
import { parseVerdict, rubricMessages } from './rubric.ts';
import type { ChatMessage } from '../types.ts';
import type { RegexOutcome } from './regex-sandbox.ts';

/** One grader's verdict on one sample. `error` is set when the grader could not decide (then pass is false, score 0). */
export interface GraderResult {
  kind: GraderKind;
  pass: boolean;
  /** 0..1: 1 or 0 for the deterministic kinds, the judge's score for LLM_RUBRIC. */
  score: number;
  reason: string;
  error: string | null;
  weight: number;
  /** True when the grader came from the record's metadata (`graders` field) rather than the experiment. */
  fromRecord: boolean;
}

/** What graders need beyond the answer: a bounded regex engine and, for LLM_RUBRIC, a model call. */
export interface GradingTools {
  regex(pattern: string, input: string): Promise<RegexOutcome>;
  judge(
    messages: ChatMessage[],
    request: { rubric: string; answer: string; question: string },
  ): Promise<string>;
}

export interface GradedSample {
  /** The parsed answer (what the method concluded). */
  answer: string;
  example: Example;
}

export async function gradeSample(
  graders: readonly GraderConfig[],
  sample: GradedSample,
  tools: GradingTools,
): Promise<GraderResult[]> {
  const all = [
    ...graders.map((g) => ({ grader: g, fromRecord: false })),
    ...recordGraders(sample.example),
  ];
  const results: GraderResult[] = [];
  for (const { grader, fromRecord } of all) {
    if ('invalid' in grader) {
      results.push({
        kind: grader.kind,
        pass: false,
        score: 0,
        reason: 'invalid grader in the record',
        error: grader.invalid,
        weight: 0,
        fromRecord,
      });
      continue;
    }
    const verdict = await runGrader(grader, sample, tools).catch((error: unknown) => ({
      error: error instanceof Error ? error.message : String(error),
    }));
    results.push(
      'error' in verdict
        ? {
            kind: grader.kind,
            pass: false,
            score: 0,
            reason: verdict.error,
            error: verdict.error,
            weight: grader.weight,
            fromRecord,
          }
        : {
            kind: grader.kind,
            pass: verdict.pass,
            score: verdict.score ?? (verdict.pass ? 1 : 0),
            reason: verdict.reason,
            error: null,
            weight: grader.weight,
            fromRecord,
          },
    );
  }
  return results;
}

type Verdict = { pass: boolean; score?: number; reason: string } | { error: string };

async function runGrader(
  grader: GraderConfig,
  { answer, example }: GradedSample,
  tools: GradingTools,
): Promise<Verdict> {
  const output = answer.trim();
  const expected = (grader.value ?? example.answer).trim();
  switch (grader.kind) {
    case 'EXACT_MATCH':
      return {
        pass: output === expected,
        reason: output === expected ? 'equal' : `expected ${quote(expected)}, got ${quote(output)}`,
      };
    case 'CONTAINS': {
      const pass = output.toLowerCase().includes(expected.toLowerCase());
      return {
        pass,
        reason: pass ? `contains ${quote(expected)}` : `does not contain ${quote(expected)}`,
      };
    }
    case 'REGEX': {
      const outcome = await tools.regex(grader.value ?? '', answer);
      if ('error' in outcome) return { error: outcome.error };
      return {
        pass: outcome.matched,
        reason: outcome.matched ? 'matches the pattern' : 'does not match the pattern',
      };
    }
    case 'JSON_VALID': {
      const parsed = parseJson(output);
      return 'error' in parsed
        ? { pass: false, reason: `not JSON: ${parsed.error}` }
        : { pass: true, reason: 'valid JSON' };
    }
    case 'JSON_EQUALS': {
      const actual = parseJson(output);
      if ('error' in actual) return { pass: false, reason: `not JSON: ${actual.error}` };
      const wanted = parseJson(expected);
      if ('error' in wanted) return { error: `the expected value is not JSON: ${wanted.error}` };
      const pass = canonicalJson(actual.value) === canonicalJson(wanted.value);
      return {
        pass,
        reason: pass
          ? 'equal JSON (key order ignored)'
          : `expected ${canonicalJson(wanted.value)}, got ${canonicalJson(actual.value)}`,
      };
    }
    case 'JSON_PATH': {
      const actual = parseJson(output);
      if ('error' in actual) return { pass: false, reason: `not JSON: ${actual.error}` };
      const found = readJsonPath(actual.value, parseJsonPath(grader.path ?? '$'));
      if (found === undefined) return { pass: false, reason: `${grader.path} is missing` };
      if (grader.value === null) return { pass: true, reason: `${grader.path} is present` };
      const pass = canonicalJson(found) === canonicalJson(JSON.parse(grader.value));
      return {
        pass,
        reason: pass
          ? `${grader.path} equals ${grader.value}`
          : `${grader.path} is ${canonicalJson(found)}, expected ${grader.value}`,
      };
    }
    case 'NUMERIC': {
      const actual = Number(output.replace(/,/g, ''));
      const wanted = Number(expected.replace(/,/g, ''));
      if (!Number.isFinite(wanted))
        return { error: `the expected value ${quote(expected)} is not a number` };
      if (output === '' || !Number.isFinite(actual))
        return { pass: false, reason: `${quote(output)} is not a number` };
      const tolerance = grader.tolerance ?? 0;
      const pass = Math.abs(actual - wanted) <= tolerance;
      return { pass, reason: `|${actual} − ${wanted}| ${pass ? '≤' : '>'} ${tolerance}` };
    }
    case 'LLM_RUBRIC': {
      const rubric = grader.value ?? '';
      const reply = await tools.judge(rubricMessages(rubric, example.question, answer), {
        rubric,
        answer,
        question: example.question,
      });
      const verdict = parseVerdict(reply);
      if ('error' in verdict) return { error: `malformed verdict: ${verdict.error}` };
      return verdict;
    }
  }
}

/** Datasets may carry graders per record: a `graders` list in the record's metadata, in the shape of config.graders. */
function recordGraders(
  example: Example,
): { grader: GraderConfig | { kind: GraderKind; invalid: string }; fromRecord: true }[] {
  const declared = example.metadata?.graders;
  if (declared === undefined) return [];
  if (!Array.isArray(declared))
    return [
      {
        grader: { kind: 'EXACT_MATCH', invalid: 'metadata.graders must be a list' },
        fromRecord: true,
      },
    ];
  return declared.map((input: unknown, index) => {
    try {
      return {
        grader: validateGrader(
          (input ?? {}) as Parameters<typeof validateGrader>[0],
          `metadata.graders[${index}]`,
        ),
        fromRecord: true as const,
      };
    } catch (error) {
      const kind = ((input as { kind?: GraderKind } | null)?.kind ?? 'EXACT_MATCH') as GraderKind;
      return { grader: { kind, invalid: (error as Error).message }, fromRecord: true as const };
    }
  });
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
