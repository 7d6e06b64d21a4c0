import { useEffect } from 'react';
import { useQuery } from 'urql';
import { formatInteger, formatMs, formatScore } from '../format.ts';
import type { ResultOf, VariablesOf } from '../graphql.ts';
import { SampleDetailsQuery } from '../operations/experiment.ts';
import { ErrorNote } from './ErrorNote.tsx';
import type { Sample } from './SampleTable.tsx';

type Details = NonNullable<
  ResultOf<typeof SampleDetailsQuery>['experiment']
>['samples']['nodes'][number];

/**
 * One sample in full: the prompt sent, the raw reply, the score, and the agent trace or retrieved
 * passages. The heavy fields are read for the table's page only when a sample is opened.
 */
export function SampleDetail({
  sample,
  pageVariables,
  onClose,
}: {
  sample: Sample;
  pageVariables: VariablesOf<typeof SampleDetailsQuery>;
  onClose: () => void;
}) {
  const [{ data, error }] = useQuery({ query: SampleDetailsQuery, variables: pageVariables });
  const details = data?.experiment?.samples.nodes.find(
    (node) => node.sampleIndex === sample.sampleIndex,
  );
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: a click outside the drawer closes it; Escape is handled on the window
    <div className="overlay" onClick={onClose}>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: only stops a click inside the drawer from closing it */}
      <div
        className="drawer"
        role="dialog"
        aria-label={`sample ${sample.sampleIndex}`}
        data-testid="sample-detail"
        onClick={(e) => e.stopPropagation()}
      >
        <div className="panel-head">
          <h2>
            Sample #{sample.sampleIndex} <span className="muted">{sample.exampleId}</span>
          </h2>
          <button type="button" onClick={onClose} aria-label="close">
            ✕
          </button>
        </div>
        <p className="question">{sample.question}</p>
        {error ? <ErrorNote error={error} /> : null}
        {details ? (
          <SampleFacts sample={sample} details={details} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </div>
    </div>
  );
}

function SampleFacts({ sample, details }: { sample: Sample; details: Details }) {
  return (
    <>
      <dl className="facts">
        <dt>Expected</dt>
        <dd>{sample.expectedAnswer}</dd>
        <dt>Answer</dt>
        <dd className={sample.correct ? 'good' : 'bad'}>
          {sample.error ? `failed: ${sample.error}` : (sample.parsedAnswer ?? '—')}{' '}
          {sample.correct ? '✓' : '✗'}
        </dd>
        <dt>Scores</dt>
        <dd>
          exact {details.exactMatch ? 'yes' : 'no'} · F1 {formatScore(sample.f1)}
        </dd>
        <dt>Cost</dt>
        <dd>
          {formatMs(sample.latencyMs)} · {formatInteger(details.tokensInput)} tokens in ·{' '}
          {formatInteger(details.tokensOutput)} out
          {sample.cacheHit ? ` · cache hit (${sample.cacheTier ?? 'memory'})` : ''}
          {details.retries > 0 ? ` · ${details.retries} retries` : ''}
        </dd>
        <ModelGradedFacts details={details} />
        {details.timings.length > 0 ? (
          <>
            <dt>Phases</dt>
            <dd>{details.timings.map((t) => `${t.phase} ${formatMs(t.ms)}`).join(' · ')}</dd>
          </>
        ) : null}
      </dl>
      {details.metadata ? (
        <MetadataView metadata={details.metadata as Record<string, unknown>} />
      ) : null}
      {details.agent ? <AgentTraceView agent={details.agent} /> : null}
      {details.retrieval ? <RetrievalView retrieval={details.retrieval} /> : null}
      {details.judgePrompt ? (
        <div data-testid="judge-trace">
          <h3>
            LLM judge{' '}
            <span className="muted">
              {details.judgeRawScore != null ? `score ${details.judgeRawScore}` : 'no score'}
            </span>
          </h3>
          <PromptView prompt={JSON.parse(details.judgePrompt) as unknown} />
          <pre className="text">{details.judgeReply ?? '—'}</pre>
        </div>
      ) : null}
      <h3>Prompt</h3>
      <PromptView prompt={details.prompt} />
      <h3>Raw output</h3>
      <pre className="text">{details.rawOutput ?? '—'}</pre>
    </>
  );
}

/** The sample's model-graded values; a metric that is on but has no value shows why. */
function ModelGradedFacts({ details }: { details: Details }) {
  const rows: [string, number | null, string | null][] = [
    ['Semantic similarity', details.semanticSimilarity, details.semanticSimilarityError],
    ['Faithfulness', details.faithfulness, details.faithfulnessError],
    ['Context relevance', details.contextRelevance, details.contextRelevanceError],
    ['LLM judge', details.judgeScore, details.judgeError],
  ];
  const shown = rows.filter(([, value, error]) => value != null || error != null);
  if (shown.length === 0) return null;
  return (
    <>
      <dt>Model-graded</dt>
      <dd data-testid="sample-model-graded">
        {shown
          .map(([label, value, error]) =>
            value != null
              ? `${label} ${formatScore(value)}${label === 'Faithfulness' && details.hallucinated ? ' (hallucinated)' : ''}`
              : `${label} — ${error}`,
          )
          .join(' · ')}
      </dd>
    </>
  );
}

function AgentTraceView({ agent }: { agent: NonNullable<Details['agent']> }) {
  return (
    <div data-testid="agent-trace">
      <h3>
        Agent trace{' '}
        <span className="muted">
          {agent.iterations} iterations · {agent.toolCalls} tool calls · stopped:{' '}
          {agent.stopReason.toLowerCase()}
        </span>
      </h3>
      <ol className="steps">
        {agent.steps.map((step) => (
          <li key={step.iteration}>
            <div>
              <b>Thought</b> {step.thought}
            </div>
            {step.action ? (
              <div>
                <b>Action</b> <code>{`${step.action}(${step.input ?? ''})`}</code>
                {step.toolMs != null ? (
                  <span className="muted"> · {formatMs(step.toolMs)}</span>
                ) : null}
              </div>
            ) : null}
            {step.observation != null ? (
              <div className={step.toolError ? 'bad' : undefined}>
                <b>Observation</b> {step.observation}
              </div>
            ) : null}
            {step.answer != null ? (
              <div>
                <b>Answer</b> {step.answer}
              </div>
            ) : null}
            <div className="muted">
              step {formatMs(step.ms)}
              {step.cached ? ' · from cache' : ''}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The extra fields of the example's record (category, difficulty, solution, …), as imported. */
function MetadataView({ metadata }: { metadata: Record<string, unknown> }) {
  return (
    <div data-testid="sample-metadata">
      <h3>Record metadata</h3>
      <dl className="facts">
        {Object.entries(metadata).map(([name, value]) => (
          <div key={name} style={{ display: 'contents' }}>
            <dt>{name}</dt>
            <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function RetrievalView({ retrieval }: { retrieval: NonNullable<Details['retrieval']> }) {
  return (
    <div data-testid="retrieved-passages">
      <h3>
        Retrieved passages{' '}
        <span className="muted">
          {retrieval.knowledgeBase} · {retrieval.retrieval} · top {retrieval.topK}
        </span>
      </h3>
      <ol className="passages">
        {retrieval.passages.map((p) => (
          <li key={p.id}>
            <div>
              <b>{p.title}</b>{' '}
              <span className="muted">
                {p.id} · score {p.score.toFixed(3)}
              </span>
            </div>
            <p>{p.text}</p>
          </li>
        ))}
      </ol>
    </div>
  );
}

interface ChatMessage {
  role: string;
  content: string;
}

function isChat(prompt: unknown): prompt is ChatMessage[] {
  return (
    Array.isArray(prompt) &&
    prompt.every((m) => typeof m === 'object' && m !== null && 'role' in m && 'content' in m)
  );
}

function PromptView({ prompt }: { prompt: unknown }) {
  if (!isChat(prompt)) return <pre className="text">{JSON.stringify(prompt, null, 2)}</pre>;
  return (
    <div className="chat">
      {prompt.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a stored prompt never changes order
        <div key={i} className={`msg ${m.role}`}>
          <div className="role">{m.role}</div>
          <pre className="text">{m.content}</pre>
        </div>
      ))}
    </div>
  );
}
