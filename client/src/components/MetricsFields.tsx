import {
  type FieldErrors,
  type FormState,
  LIMITS,
  MODEL_GRADED_CHOICES,
  type ModelGradedChoice,
} from '../experiment-form.ts';
import { Field } from './Field.tsx';

const LABELS: Record<ModelGradedChoice, [string, string]> = {
  semanticSimilarity: ['Semantic similarity', 'embedding cosine of answer and gold'],
  faithfulness: [
    'Faithfulness & hallucination rate',
    'answer claims supported by the passages (RAG)',
  ],
  contextRelevance: ['Context relevance', 'retrieved passages relevant to the question (RAG)'],
  judge: ['LLM judge', 'a rubric, scored 1..scale, reported in 0..1'],
};

/** Model-graded metrics of the new-experiment form: each with the offline simulated model; other models through the API. */
export function MetricsFields({
  form,
  setForm,
  errors,
}: {
  form: FormState;
  setForm: (form: FormState) => void;
  errors: FieldErrors;
}) {
  return (
    <fieldset data-testid="model-graded-metrics">
      <legend>Model-graded metrics</legend>
      {MODEL_GRADED_CHOICES.map((metric) => (
        <label key={metric} className="check">
          <input
            type="checkbox"
            name={`metrics.${metric}`}
            checked={form.metrics[metric]}
            onChange={(e) =>
              setForm({ ...form, metrics: { ...form.metrics, [metric]: e.target.checked } })
            }
          />
          {LABELS[metric][0]} <span className="field-hint">{LABELS[metric][1]}</span>
        </label>
      ))}
      {form.metrics.judge ? (
        <>
          <Field label="Judge rubric" field="config.metrics.judge.rubric" errors={errors}>
            <textarea
              name="judgeRubric"
              rows={2}
              value={form.judgeRubric}
              onChange={(e) => setForm({ ...form, judgeRubric: e.target.value })}
            />
          </Field>
          <Field
            label="Judge scale"
            field="config.metrics.judge.scale"
            errors={errors}
            hint={`top score, ${LIMITS.judgeScale.min}–${LIMITS.judgeScale.max}`}
          >
            <input
              name="judgeScale"
              inputMode="numeric"
              value={form.judgeScale}
              onChange={(e) => setForm({ ...form, judgeScale: e.target.value })}
            />
          </Field>
        </>
      ) : null}
      <span className="field-hint">
        Judged by the offline simulated models; set other models through the API (config.metrics).
      </span>
    </fieldset>
  );
}
