import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription, type CombinedError } from 'urql';
import {
  DEFAULTS,
  inRange,
  LIMITS,
  rangeMessage,
  type Range,
} from '../../../server/engine/experiment-config.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Field } from '../components/Field.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { formatInteger } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import {
  DatasetGenerationSubscription,
  GenerateDatasetMutation,
  KnowledgeBasesQuery,
} from '../operations/knowledge.ts';

type Generation = ResultOf<typeof DatasetGenerationSubscription>['datasetGeneration'];

/** The knowledge bases, and a form that generates a question–answer dataset from one, with its live progress. */
export function KnowledgeBasesPage() {
  const [{ data, error }] = useQuery({ query: KnowledgeBasesQuery });
  const [selected, setSelected] = useState<string | null>(null);
  const kb = selected ?? data?.knowledgeBases[0]?.name ?? null;
  return (
    <section className="panel" data-testid="knowledge-bases-page">
      <h1>Knowledge bases</h1>
      {error ? <ErrorNote error={error} /> : null}
      {data ? (
        <table className="data">
          <thead>
            <tr>
              <th>Name</th>
              <th>Source</th>
              <th className="num">Documents</th>
              <th className="num">Chunks</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.knowledgeBases.map((k) => (
              <tr key={k.name}>
                <th>{k.name}</th>
                <td className="muted">{k.source}</td>
                <td className="num">{formatInteger(k.documentCount)}</td>
                <td className="num">{formatInteger(k.chunkCount)}</td>
                <td>
                  <button
                    type="button"
                    className={k.name === kb ? 'active' : undefined}
                    onClick={() => setSelected(k.name)}
                  >
                    Generate questions
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {kb ? <GenerateForm key={kb} knowledgeBase={kb} /> : null}
    </section>
  );
}

const d = DEFAULTS.generation;

function GenerateForm({ knowledgeBase }: { knowledgeBase: string }) {
  const [form, setForm] = useState({
    pairs: String(d.pairsPerChunk),
    chunks: String(d.maxChunks),
    seed: String(d.seed),
    name: '',
    baseUrl: '',
    model: '',
  });
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [failure, setFailure] = useState<CombinedError | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [started, generate] = useMutation(GenerateDatasetMutation);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    const whole = (field: string, text: string, range: Range) => {
      const n = Number(text);
      if (!Number.isInteger(n) || !inRange(n, range)) found[field] = rangeMessage(range);
      return n;
    };
    const pairs = whole('pairsPerChunk', form.pairs, LIMITS.pairsPerChunk);
    const chunks = whole('maxChunks', form.chunks, LIMITS.maxChunks);
    const seed = whole('seed', form.seed, LIMITS.seed);
    if (form.baseUrl.trim() && !form.model.trim()) found['generator.model'] = 'must not be empty';
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return;
    const result = await generate({
      kb: knowledgeBase,
      pairs,
      chunks,
      seed,
      name: form.name.trim() || null,
      generator: form.baseUrl.trim()
        ? {
            provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: form.baseUrl.trim() },
            model: form.model.trim(),
          }
        : null,
    });
    if (result.error) {
      const field = result.error.graphQLErrors[0]?.extensions?.field;
      if (typeof field === 'string') setErrors({ [field]: result.error.graphQLErrors[0]!.message });
      else setFailure(result.error);
      return;
    }
    setJobId(result.data?.generateDataset.id ?? null);
  };

  const set = (field: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [field]: e.target.value });
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="generate-form">
      <h2>Generate questions from {knowledgeBase}</h2>
      <p className="muted">
        Question–answer pairs grounded in a seeded sample of chunks, stored as a KNOWLEDGE dataset
        you can run experiments on. Leave the endpoint empty for the offline simulated generator.
      </p>
      <div className="form-grid">
        <fieldset>
          <legend>Pairs</legend>
          <Field label="Pairs per chunk" field="pairsPerChunk" errors={errors}>
            <input name="pairsPerChunk" value={form.pairs} onChange={set('pairs')} />
          </Field>
          <Field label="Chunks" field="maxChunks" errors={errors}>
            <input name="maxChunks" value={form.chunks} onChange={set('chunks')} />
          </Field>
          <Field label="Seed" field="seed" errors={errors}>
            <input name="seed" value={form.seed} onChange={set('seed')} />
          </Field>
          <Field label="Dataset name" field="name" errors={errors} hint="optional">
            <input name="name" value={form.name} onChange={set('name')} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Generator</legend>
          <Field
            label="OpenAI-compatible base URL"
            field="generator.provider.baseUrl"
            errors={errors}
            hint="optional; e.g. http://127.0.0.1:8000/v1"
          >
            <input name="baseUrl" value={form.baseUrl} onChange={set('baseUrl')} />
          </Field>
          <Field label="Model" field="generator.model" errors={errors}>
            <input name="model" value={form.model} onChange={set('model')} />
          </Field>
        </fieldset>
      </div>
      {failure ? <ErrorNote error={failure} /> : null}
      <div className="form-actions">
        <button
          type="submit"
          className="primary"
          disabled={started.fetching}
          data-testid="generate"
        >
          Generate
        </button>
      </div>
      {jobId ? <GenerationProgress key={jobId} id={jobId} /> : null}
    </form>
  );
}

function GenerationProgress({ id }: { id: string }) {
  const [{ data: job, error }] = useSubscription(
    { query: DatasetGenerationSubscription, variables: { id } },
    (_previous: Generation | undefined, { datasetGeneration }) => datasetGeneration,
  );
  if (error) return <ErrorNote error={error} />;
  if (!job) return <p className="muted">Starting…</p>;
  return <JobState job={job} />;
}

function JobState({ job }: { job: Generation }) {
  return (
    <div className="generation" data-testid="generation" data-status={job.status}>
      <ProgressBar done={job.chunksDone} total={job.chunksTotal} failed={0} />
      <p>
        <strong data-testid="generation-status">{job.status}</strong> ·{' '}
        {formatInteger(job.pairsAccepted)} pairs kept, {formatInteger(job.pairsRejected)} rejected
        {job.rejections.length > 0
          ? ` (${job.rejections.map((r) => `${r.reason} ${r.count}`).join(', ')})`
          : ''}{' '}
        · {formatInteger(job.usage.calls)} calls, {formatInteger(job.usage.cacheHits)} cached,{' '}
        {formatInteger(job.usage.tokensInput + job.usage.tokensOutput)} tokens
      </p>
      {job.dataset ? (
        <p data-testid="generated-dataset">
          Stored as dataset <code>{job.dataset.name}</code> ({formatInteger(job.dataset.size)}{' '}
          pairs): choose it on the New experiment page.
        </p>
      ) : null}
      {job.error ? <ErrorNote error={job.error} /> : null}
    </div>
  );
}
