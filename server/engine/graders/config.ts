import { ValidationError } from '../../errors.ts';
import { parseJsonPath } from './json-path.ts';

export const GRADER_KINDS = [
  'EXACT_MATCH',
  'CONTAINS',
  'REGEX',
  'JSON_VALID',
  'JSON_EQUALS',
  'JSON_PATH',
  'NUMERIC',
  'LLM_RUBRIC',
] as const;
export type GraderKind = (typeof GRADER_KINDS)[number];

/**
 * One assertion on a sample's answer. `value` is what the answer is compared with (for EXACT_MATCH,
 * CONTAINS, JSON_EQUALS and NUMERIC the record's gold answer when absent), the pattern of a REGEX, the
 * expected JSON at `path` of a JSON_PATH, the rubric of an LLM_RUBRIC.
 */
export interface GraderConfig {
  kind: GraderKind;
  value: string | null;
  path: string | null;
  tolerance: number | null;
  weight: number;
}

export interface GraderInput {
  kind?: string | null;
  value?: string | null;
  path?: string | null;
  tolerance?: number | null;
  weight?: number | null;
}

export const GRADER_LIMITS = {
  graders: 20,
  valueLength: 10_000,
  weight: { min: 0, max: 1000 },
} as const;

export function validateGraders(
  input: readonly GraderInput[] | null | undefined,
  field = 'config.graders',
): GraderConfig[] {
  if (input == null) return [];
  if (!Array.isArray(input)) throw new ValidationError(field, 'must be a list of graders');
  if (input.length > GRADER_LIMITS.graders)
    throw new ValidationError(field, `at most ${GRADER_LIMITS.graders} graders`);
  return input.map((grader, index) => validateGrader(grader, `${field}[${index}]`));
}

export function validateGrader(input: GraderInput, field: string): GraderConfig {
  const kind = input.kind as GraderKind;
  if (!GRADER_KINDS.includes(kind))
    throw new ValidationError(`${field}.kind`, `must be one of ${GRADER_KINDS.join(', ')}`);
  const value = input.value ?? null;
  if (value !== null && (typeof value !== 'string' || value.length > GRADER_LIMITS.valueLength)) {
    throw new ValidationError(
      `${field}.value`,
      `must be a string of at most ${GRADER_LIMITS.valueLength} characters`,
    );
  }
  const weight = input.weight ?? 1;
  if (
    typeof weight !== 'number' ||
    !Number.isFinite(weight) ||
    weight < GRADER_LIMITS.weight.min ||
    weight > GRADER_LIMITS.weight.max
  ) {
    throw new ValidationError(
      `${field}.weight`,
      `must be a number in ${GRADER_LIMITS.weight.min}..${GRADER_LIMITS.weight.max}`,
    );
  }
  const tolerance = input.tolerance ?? null;
  if (
    tolerance !== null &&
    (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
  ) {
    throw new ValidationError(`${field}.tolerance`, 'must be a number ≥ 0');
  }
  if (tolerance !== null && kind !== 'NUMERIC')
    throw new ValidationError(`${field}.tolerance`, 'only applies to NUMERIC');
  const path = input.path ?? null;
  if (path !== null && kind !== 'JSON_PATH')
    throw new ValidationError(`${field}.path`, 'only applies to JSON_PATH');
  switch (kind) {
    case 'REGEX':
      if (value === null) throw new ValidationError(`${field}.value`, 'REGEX needs a pattern');
      try {
        new RegExp(value, 'u');
      } catch (error) {
        throw new ValidationError(
          `${field}.value`,
          `invalid regular expression: ${(error as Error).message}`,
        );
      }
      break;
    case 'JSON_EQUALS':
      if (value !== null) requireJson(value, `${field}.value`);
      break;
    case 'JSON_PATH':
      if (path === null)
        throw new ValidationError(
          `${field}.path`,
          'JSON_PATH needs a path such as $.answer or $.items[0].id',
        );
      try {
        parseJsonPath(path);
      } catch (error) {
        throw new ValidationError(`${field}.path`, (error as Error).message);
      }
      if (value !== null) requireJson(value, `${field}.value`);
      break;
    case 'NUMERIC':
      if (value !== null && !Number.isFinite(Number(value.trim())))
        throw new ValidationError(`${field}.value`, 'NUMERIC needs a number');
      break;
    case 'LLM_RUBRIC':
      if (value === null || value.trim() === '')
        throw new ValidationError(`${field}.value`, 'LLM_RUBRIC needs a rubric');
      break;
    case 'EXACT_MATCH':
    case 'CONTAINS':
    case 'JSON_VALID':
      break;
  }
  return { kind, value, path, tolerance: kind === 'NUMERIC' ? (tolerance ?? 0) : null, weight };
}

function requireJson(value: string, field: string): void {
  try {
    JSON.parse(value);
  } catch (error) {
    throw new ValidationError(field, `must be JSON: ${(error as Error).message}`);
  }
}
