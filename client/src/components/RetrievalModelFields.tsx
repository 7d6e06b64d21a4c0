import {
  SIMULATED_EMBEDDINGS,
  SIMULATED_RERANKERS,
  type EndpointRow,
  type FieldErrors,
  type ProviderKindValue,
} from '../experiment-form.ts';
import { Field } from './Field.tsx';

const KINDS: { kind: ProviderKindValue; name: string }[] = [
  { kind: 'SIMULATED', name: 'Simulated (offline)' },
  { kind: 'OPENAI_COMPATIBLE', name: 'OpenAI-compatible' },
  { kind: 'HUGGINGFACE', name: 'Hugging Face' },
];

/**
 * The embedding model or reranker of dense retrieval: provider, model, and (remote) where it runs.
 * SIMULATED offers its offline models; the others take any model name the server serves.
 */
export function RetrievalModelFields({
  part,
  row,
  onChange,
  errors,
}: {
  part: 'embedding' | 'reranker';
  row: EndpointRow;
  onChange: (row: EndpointRow) => void;
  errors: FieldErrors;
}) {
  const field = `config.rag.${part}`;
  const label = part === 'embedding' ? 'Embedding' : 'Reranker';
  const simulated = part === 'embedding' ? SIMULATED_EMBEDDINGS : SIMULATED_RERANKERS;
  return (
    <div className="row">
      <Field label={`${label} provider`} field={`${field}.provider.kind`} errors={errors}>
        <select
          name={`${part}Provider`}
          value={row.provider}
          onChange={(e) => {
            const provider = e.target.value as ProviderKindValue;
            // Switching to SIMULATED picks its default model; a remote model name is the user's to type.
            onChange({
              ...row,
              provider,
              model: provider === 'SIMULATED' ? (simulated[0] ?? '') : '',
            });
          }}
        >
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.name}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label={`${label} model`}
        field={`${field}.model`}
        errors={errors}
        hint={
          row.provider === 'HUGGINGFACE' && part === 'reranker'
            ? 'a cross-encoder, scored by text classification'
            : undefined
        }
      >
        {row.provider === 'SIMULATED' ? (
          <select
            name={`${part}Model`}
            value={row.model}
            onChange={(e) => onChange({ ...row, model: e.target.value })}
          >
            {simulated.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </select>
        ) : (
          <input
            name={`${part}Model`}
            value={row.model}
            placeholder={
              part === 'embedding'
                ? 'BAAI/bge-small-en-v1.5'
                : 'cross-encoder/ms-marco-MiniLM-L-6-v2'
            }
            onChange={(e) => onChange({ ...row, model: e.target.value })}
          />
        )}
      </Field>
      {row.provider === 'SIMULATED' ? null : (
        <Field
          label={row.provider === 'OPENAI_COMPATIBLE' ? 'Base URL' : 'Endpoint URL'}
          field={`${field}.provider.${row.provider === 'OPENAI_COMPATIBLE' ? 'baseUrl' : 'endpointUrl'}`}
          errors={errors}
          hint={
            row.provider === 'OPENAI_COMPATIBLE'
              ? part === 'embedding'
                ? 'serves /embeddings'
                : 'serves /rerank'
              : 'optional; empty: the Hugging Face router'
          }
        >
          <input
            name={`${part}Endpoint`}
            value={row.endpoint}
            onChange={(e) => onChange({ ...row, endpoint: e.target.value })}
          />
        </Field>
      )}
    </div>
  );
}
