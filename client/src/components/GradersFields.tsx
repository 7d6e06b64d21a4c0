import type { FieldErrors, FormState, GraderKindValue, GraderRow } from '../experiment-form.ts';
import { Field } from './Field.tsx';

const KINDS: readonly GraderKindValue[] = [
  'EXACT_MATCH',
  'CONTAINS',
  'REGEX',
  'JSON_VALID',
  'JSON_EQUALS',
  'JSON_PATH',
  'NUMERIC',
  'LLM_RUBRIC',
];
const VALUE_HINT: Record<GraderKindValue, string> = {
  EXACT_MATCH: 'expected text; empty: the gold answer',
  CONTAINS: 'text to find; empty: the gold answer',
  REGEX: 'pattern (required)',
  JSON_VALID: 'not used',
  JSON_EQUALS: 'expected JSON; empty: the gold answer',
  JSON_PATH: 'expected JSON at the path; empty: present',
  NUMERIC: 'number; empty: the gold answer',
  LLM_RUBRIC: 'the rubric (required)',
};

/** The prompt version and the graders of the new-experiment form. */
export function GradersFields({
  form,
  setForm,
  errors,
}: {
  form: FormState;
  setForm: (form: FormState) => void;
  errors: FieldErrors;
}) {
  const setRow = (index: number, change: Partial<GraderRow>) =>
    setForm({
      ...form,
      graders: form.graders.map((row, i) => (i === index ? { ...row, ...change } : row)),
    });
  return (
    <fieldset data-testid="graders">
      <legend>Prompt and graders</legend>
      <div className="row">
        <Field
          label="Prompt"
          field="config.prompt"
          errors={errors}
          hint="a stored prompt's name; empty: the method's own"
        >
          <input
            name="promptName"
            value={form.promptName}
            onChange={(e) => setForm({ ...form, promptName: e.target.value })}
          />
        </Field>
        <Field label="Version" field="config.prompt.version" errors={errors}>
          <input
            name="promptVersion"
            inputMode="numeric"
            value={form.promptVersion}
            onChange={(e) => setForm({ ...form, promptVersion: e.target.value })}
          />
        </Field>
      </div>
      {form.graders.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and have no identity of their own
        <div className="row" key={i} data-testid={`grader-${i}`}>
          <Field label="Grader" field={`config.graders[${i}].kind`} errors={errors}>
            <select
              name={`grader-kind-${i}`}
              value={row.kind}
              onChange={(e) => setRow(i, { kind: e.target.value as GraderKindValue })}
            >
              {KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Value"
            field={`config.graders[${i}].value`}
            errors={errors}
            hint={VALUE_HINT[row.kind]}
          >
            <input
              name={`grader-value-${i}`}
              value={row.value}
              onChange={(e) => setRow(i, { value: e.target.value })}
            />
          </Field>
          {row.kind === 'JSON_PATH' ? (
            <Field
              label="Path"
              field={`config.graders[${i}].path`}
              errors={errors}
              hint="$.key, $.items[0]"
            >
              <input
                name={`grader-path-${i}`}
                value={row.path}
                onChange={(e) => setRow(i, { path: e.target.value })}
              />
            </Field>
          ) : null}
          {row.kind === 'NUMERIC' ? (
            <Field label="Tolerance" field={`config.graders[${i}].tolerance`} errors={errors}>
              <input
                name={`grader-tolerance-${i}`}
                inputMode="decimal"
                value={row.tolerance}
                onChange={(e) => setRow(i, { tolerance: e.target.value })}
              />
            </Field>
          ) : null}
          <Field
            label="Weight"
            field={`config.graders[${i}].weight`}
            errors={errors}
            hint="default 1"
          >
            <input
              name={`grader-weight-${i}`}
              inputMode="decimal"
              value={row.weight}
              onChange={(e) => setRow(i, { weight: e.target.value })}
            />
          </Field>
          <button
            type="button"
            onClick={() => setForm({ ...form, graders: form.graders.filter((_r, j) => j !== i) })}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() =>
          setForm({
            ...form,
            graders: [
              ...form.graders,
              { kind: 'CONTAINS', value: '', path: '', tolerance: '', weight: '' },
            ],
          })
        }
      >
        Add grader
      </button>
    </fieldset>
  );
}
