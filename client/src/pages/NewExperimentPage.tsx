import {
  useEffect,
  useRef,
  useState,
  type Dispatch,
  type FormEvent,
  type SetStateAction,
} from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { MetricsFields } from '../components/MetricsFields.tsx';
import { GradersFields } from '../components/GradersFields.tsx';
import { Field } from '../components/Field.tsx';
import { RetrievalModelFields } from '../components/RetrievalModelFields.tsx';
import { METHODS } from '../enums.ts';
import {
  checkForm,
  INITIAL_FORM,
  LIMITS,
  type FieldErrors,
  type FormState,
  type ProviderKindValue,
} from '../experiment-form.ts';
import { formatInteger } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import {
  CreateExperimentMutation,
  FormOptionsQuery,
  LaunchExperimentMutation,
} from '../operations/form.ts';
import { navigate } from '../router.tsx';

type Options = ResultOf<typeof FormOptionsQuery>;
type SetForm = Dispatch<SetStateAction<FormState>>;

/** The new-experiment form: checked against the documented limits here, and server errors shown beside their field. */
export function NewExperimentPage() {
  const [form, setForm] = useState<FormState>(INITIAL_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<CombinedError | null>(null);
  const [{ data: options, error: optionsError }] = useQuery({ query: FormOptionsQuery });
  const [create, createExperiment] = useMutation(CreateExperimentMutation);
  const [launch, launchExperiment] = useMutation(LaunchExperimentMutation);
  const busy = create.fetching || launch.fetching;
  // The name is what a user types first on this page.
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);

  const submit = async (run: boolean) => {
    const { input, errors: found } = checkForm(form);
    setErrors(found);
    setFailure(null);
    if (!input) return;
    const apiKey = form.providerKind !== 'SIMULATED' && form.apiKey ? form.apiKey : null;
    const result = run
      ? await launchExperiment({ input, apiKey })
      : await createExperiment({ input });
    const id =
      result.data &&
      ('launchExperiment' in result.data
        ? result.data.launchExperiment.id
        : result.data.createExperiment.id);
    if (id) return navigate(`/experiments/${id}`);
    if (result.error) {
      const fieldErrors = serverFieldErrors(result.error);
      if (Object.keys(fieldErrors).length > 0) setErrors(fieldErrors);
      else setFailure(result.error);
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(true);
  };

  return (
    <form
      className="panel experiment-form"
      onSubmit={onSubmit}
      noValidate
      data-testid="experiment-form"
    >
      <div className="panel-head">
        <h1>New experiment</h1>
      </div>
      {optionsError ? <ErrorNote error={optionsError} /> : null}
      <div className="form-grid">
        <fieldset>
          <legend>Experiment</legend>
          <Field label="Name" field="name" errors={errors}>
            <input
              ref={nameInput}
              name="name"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
              placeholder="e.g. cot-batched"
            />
          </Field>
          <Field label="Description" field="description" errors={errors} hint="optional">
            <textarea
              name="description"
              rows={2}
              value={form.description}
              onChange={(e) => setForm({ ...form, description: e.target.value })}
            />
          </Field>
        </fieldset>
        <ModelFields form={form} setForm={setForm} errors={errors} options={options} />
        <MethodFields form={form} setForm={setForm} errors={errors} options={options} />
        <GenerationFields form={form} setForm={setForm} errors={errors} />
        <GradersFields form={form} setForm={setForm} errors={errors} />
        <MetricsFields form={form} setForm={setForm} errors={errors} />
        <OptimizationFields form={form} setForm={setForm} errors={errors} />
      </div>
      {failure ? <ErrorNote error={failure} /> : null}
      {Object.keys(errors).length > 0 ? (
        <p className="form-summary bad">Fix the highlighted fields.</p>
      ) : null}
      <div className="form-actions">
        <button
          type="button"
          disabled={busy}
          onClick={() => void submit(false)}
          data-testid="create"
        >
          Create
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="create-and-run">
          Create &amp; Run
        </button>
      </div>
    </form>
  );
}

/** BAD_USER_INPUT errors name the field they are about (`extensions.field`). */
function serverFieldErrors(error: CombinedError): FieldErrors {
  const errors: FieldErrors = {};
  for (const e of error.graphQLErrors) {
    const field = e.extensions?.field;
    if (typeof field === 'string') errors[field] = e.message.replace(`${field}: `, '');
  }
  return errors;
}

interface SectionProps {
  form: FormState;
  setForm: SetForm;
  errors: FieldErrors;
}

function ModelFields({
  form,
  setForm,
  errors,
  options,
}: SectionProps & { options: Options | undefined }) {
  const provider = options?.providers.find((p) => p.kind === form.providerKind);
  const models = provider?.models.length ? provider.models : (options?.models ?? []);
  return (
    <fieldset>
      <legend>Model &amp; provider</legend>
      <Field
        label="Provider"
        field="config.provider.kind"
        errors={errors}
        hint={provider?.description}
      >
        <select
          name="providerKind"
          value={form.providerKind}
          onChange={(e) => setForm({ ...form, providerKind: e.target.value as ProviderKindValue })}
        >
          {(
            options?.providers ?? [
              { kind: 'SIMULATED' as const, name: 'Simulated', available: true, configured: true },
            ]
          ).map((p) => (
            <option key={p.kind} value={p.kind} disabled={!p.available}>
              {p.name}
              {p.kind !== 'SIMULATED' && !p.configured ? ' (not configured on the server)' : ''}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Model" field="config.modelName" errors={errors}>
        <input
          name="modelName"
          list="models"
          value={form.modelName}
          onChange={(e) => setForm({ ...form, modelName: e.target.value })}
        />
        <datalist id="models">
          {models.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </Field>
      {form.providerKind === 'SIMULATED' ? (
        <div className="row">
          <Field
            label="Latency (ms)"
            field="config.provider.latencyMs"
            errors={errors}
            hint="per call"
          >
            <input
              name="latencyMs"
              inputMode="numeric"
              value={form.latencyMs}
              onChange={(e) => setForm({ ...form, latencyMs: e.target.value })}
            />
          </Field>
          <Field label="Jitter (± ms)" field="config.provider.jitterMs" errors={errors}>
            <input
              name="jitterMs"
              inputMode="numeric"
              value={form.jitterMs}
              onChange={(e) => setForm({ ...form, jitterMs: e.target.value })}
            />
          </Field>
        </div>
      ) : null}
      {form.providerKind === 'HUGGINGFACE' ? (
        <div className="row">
          <Field
            label="Inference provider"
            field="config.provider.hfProvider"
            errors={errors}
            hint="e.g. novita; optional"
          >
            <input
              name="hfProvider"
              value={form.hfProvider}
              onChange={(e) => setForm({ ...form, hfProvider: e.target.value })}
            />
          </Field>
          <Field
            label="Endpoint URL"
            field="config.provider.endpointUrl"
            errors={errors}
            hint="a dedicated endpoint or TGI; optional"
          >
            <input
              name="endpointUrl"
              value={form.endpointUrl}
              onChange={(e) => setForm({ ...form, endpointUrl: e.target.value })}
            />
          </Field>
        </div>
      ) : null}
      {form.providerKind === 'OPENAI_COMPATIBLE' ? (
        <Field
          label="Base URL"
          field="config.provider.baseUrl"
          errors={errors}
          hint="e.g. http://127.0.0.1:8000/v1"
        >
          <input
            name="baseUrl"
            list="endpoints"
            value={form.baseUrl}
            onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
          />
          <datalist id="endpoints">
            {(provider?.endpoints ?? []).map((endpoint) => (
              <option key={endpoint.name} value={endpoint.baseUrl}>
                {endpoint.name}
              </option>
            ))}
          </datalist>
        </Field>
      ) : null}
      {form.providerKind !== 'SIMULATED' ? (
        <Field
          label="API key"
          field="apiKey"
          errors={errors}
          hint="for this run only: never stored; empty = the server's key"
        >
          <input
            name="apiKey"
            type="password"
            autoComplete="off"
            value={form.apiKey}
            onChange={(e) => setForm({ ...form, apiKey: e.target.value })}
          />
        </Field>
      ) : null}
    </fieldset>
  );
}

function MethodFields({
  form,
  setForm,
  errors,
  options,
}: SectionProps & { options: Options | undefined }) {
  const dataset = options?.datasets.find((d) => d.name === form.datasetName);
  return (
    <fieldset>
      <legend>Method &amp; data</legend>
      <div className="row">
        <Field label="Reasoning method" field="config.reasoningMethod" errors={errors}>
          <select
            name="reasoningMethod"
            value={form.reasoningMethod}
            onChange={(e) =>
              setForm({ ...form, reasoningMethod: e.target.value as FormState['reasoningMethod'] })
            }
          >
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Dataset"
          field="config.datasetName"
          errors={errors}
          hint={
            dataset
              ? `${formatInteger(dataset.size)} examples · ${dataset.kind.toLowerCase().replace('_', '-')} · ${dataset.source}`
              : undefined
          }
        >
          <select
            name="datasetName"
            value={form.datasetName}
            onChange={(e) => setForm({ ...form, datasetName: e.target.value })}
          >
            {(options?.datasets ?? [{ name: form.datasetName, size: 0 }]).map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field
        label="Samples"
        field="config.numSamples"
        errors={errors}
        hint={`${LIMITS.numSamples.min}–${formatInteger(LIMITS.numSamples.max)}, capped at the dataset size`}
      >
        <input
          name="numSamples"
          inputMode="numeric"
          value={form.numSamples}
          onChange={(e) => setForm({ ...form, numSamples: e.target.value })}
        />
      </Field>
      {form.reasoningMethod === 'REACT' ? (
        <div className="row">
          <Field
            label="Max iterations"
            field="config.agent.maxIterations"
            errors={errors}
            hint={`${LIMITS.maxIterations.min}–${LIMITS.maxIterations.max}`}
          >
            <input
              name="maxIterations"
              inputMode="numeric"
              value={form.maxIterations}
              onChange={(e) => setForm({ ...form, maxIterations: e.target.value })}
            />
          </Field>
          <Field label="Tools" field="config.agent.tools" errors={errors}>
            <span className="checks">
              {(['calculator', 'search'] as const).map((tool) => (
                <label key={tool} className="check">
                  <input
                    type="checkbox"
                    checked={form.tools.includes(tool)}
                    onChange={(e) =>
                      setForm({
                        ...form,
                        tools: e.target.checked
                          ? [...form.tools, tool]
                          : form.tools.filter((t) => t !== tool),
                      })
                    }
                  />
                  {tool}
                </label>
              ))}
            </span>
          </Field>
        </div>
      ) : null}
      {form.reasoningMethod === 'RAG' ? (
        <div className="row">
          <Field label="Retrieval" field="config.rag.retrieval" errors={errors}>
            <select
              name="retrieval"
              value={form.retrieval}
              onChange={(e) =>
                setForm({ ...form, retrieval: e.target.value as FormState['retrieval'] })
              }
            >
              <option value="BM25">BM25</option>
              <option value="DENSE">DENSE (embeddings, vector index)</option>
              <option value="HYBRID">HYBRID (BM25 + dense, RRF)</option>
              <option value="RERANKED">RERANKED (hybrid, then a cross-encoder)</option>
            </select>
          </Field>
          <Field
            label="Top K"
            field="config.rag.topK"
            errors={errors}
            hint={`${LIMITS.topK.min}–${LIMITS.topK.max} passages`}
          >
            <input
              name="topK"
              inputMode="numeric"
              value={form.topK}
              onChange={(e) => setForm({ ...form, topK: e.target.value })}
            />
          </Field>
        </div>
      ) : null}
      {form.reasoningMethod === 'RAG' && form.retrieval !== 'BM25' ? (
        <RetrievalModelFields
          part="embedding"
          row={form.embedding}
          onChange={(embedding) => setForm({ ...form, embedding })}
          errors={errors}
        />
      ) : null}
      {form.reasoningMethod === 'RAG' && form.retrieval === 'RERANKED' ? (
        <RetrievalModelFields
          part="reranker"
          row={form.reranker}
          onChange={(reranker) => setForm({ ...form, reranker })}
          errors={errors}
        />
      ) : null}
    </fieldset>
  );
}

function GenerationFields({ form, setForm, errors }: SectionProps) {
  return (
    <fieldset>
      <legend>Generation</legend>
      <div className="row">
        <Field
          label="Temperature"
          field="config.hyperparameters.temperature"
          errors={errors}
          hint={`${LIMITS.temperature.min}–${LIMITS.temperature.max}`}
        >
          <input
            name="temperature"
            inputMode="decimal"
            value={form.temperature}
            onChange={(e) => setForm({ ...form, temperature: e.target.value })}
          />
        </Field>
        <Field
          label="Max tokens"
          field="config.hyperparameters.maxTokens"
          errors={errors}
          hint={`${LIMITS.maxTokens.min}–${formatInteger(LIMITS.maxTokens.max)}`}
        >
          <input
            name="maxTokens"
            inputMode="numeric"
            value={form.maxTokens}
            onChange={(e) => setForm({ ...form, maxTokens: e.target.value })}
          />
        </Field>
      </div>
      <div className="row">
        <Field label="Top p" field="config.hyperparameters.topP" errors={errors} hint="(0, 1]">
          <input
            name="topP"
            inputMode="decimal"
            value={form.topP}
            onChange={(e) => setForm({ ...form, topP: e.target.value })}
          />
        </Field>
        <Field
          label="Seed"
          field="config.hyperparameters.seed"
          errors={errors}
          hint="sampling of the dataset too"
        >
          <input
            name="seed"
            inputMode="numeric"
            value={form.seed}
            onChange={(e) => setForm({ ...form, seed: e.target.value })}
          />
        </Field>
      </div>
    </fieldset>
  );
}

function OptimizationFields({ form, setForm, errors }: SectionProps) {
  return (
    <fieldset className="optimization" data-testid="optimization">
      <legend>⚡ Optimization</legend>
      <div className="knobs">
        <div className="knob">
          <label className="check">
            <input
              type="checkbox"
              name="enableBatching"
              checked={form.enableBatching}
              onChange={(e) => setForm({ ...form, enableBatching: e.target.checked })}
            />
            Enable Batching
          </label>
          <Field
            label="Batch size"
            field="config.optimization.batchSize"
            errors={errors}
            hint={`${LIMITS.batchSize.min}–${LIMITS.batchSize.max} calls in flight`}
          >
            <input
              name="batchSize"
              inputMode="numeric"
              disabled={!form.enableBatching}
              value={form.batchSize}
              onChange={(e) => setForm({ ...form, batchSize: e.target.value })}
            />
          </Field>
        </div>
        <div className="knob">
          <label className="check">
            <input
              type="checkbox"
              name="enableCaching"
              checked={form.enableCaching}
              onChange={(e) => setForm({ ...form, enableCaching: e.target.checked })}
            />
            Enable Caching
          </label>
          <Field
            label="Cache size"
            field="config.optimization.cacheMaxSize"
            errors={errors}
            hint={`${LIMITS.cacheMaxSize.min}–${formatInteger(LIMITS.cacheMaxSize.max)} entries`}
          >
            <input
              name="cacheMaxSize"
              inputMode="numeric"
              disabled={!form.enableCaching}
              value={form.cacheMaxSize}
              onChange={(e) => setForm({ ...form, cacheMaxSize: e.target.value })}
            />
          </Field>
        </div>
        <div className="knob">
          <label className="check">
            <input
              type="checkbox"
              name="enableProfiling"
              checked={form.enableProfiling}
              onChange={(e) => setForm({ ...form, enableProfiling: e.target.checked })}
            />
            Enable Profiling
          </label>
          <span className="field-hint">
            time per phase: prompt build, cache lookup, API call, parsing, metrics
          </span>
        </div>
      </div>
    </fieldset>
  );
}
