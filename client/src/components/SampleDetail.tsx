import { useEffect } from 'react';
import { formatInteger, formatMs, formatScore } from '../format.ts';
import type { Sample } from './SampleTable.tsx';

/** One sample in full: the prompt sent, the raw reply, the score, and the agent trace or retrieved passages. */
export function SampleDetail({ sample, onClose }: { sample: Sample; onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="drawer" role="dialog" aria-label={`sample ${sample.sampleIndex}`} data-testid="sample-detail" onClick={(e) => e.stopPropagation()}>
        <div className="panel-head">
          <h2>
            Sample #{sample.sampleIndex} <span className="muted">{sample.exampleId}</span>
          </h2>
          <button type="button" onClick={onClose} aria-label="close">
            ✕
          </button>
        </div>
        <p className="question">{sample.question}</p>
        <dl className="facts">
          <dt>Expected</dt>
          <dd>{sample.expectedAnswer}</dd>
          <dt>Answer</dt>
          <dd className={sample.correct ? 'good' : 'bad'}>
            {sample.error ? `failed: ${sample.error}` : (sample.parsedAnswer ?? '—')} {sample.correct ? '✓' : '✗'}
          </dd>
          <dt>Scores</dt>
          <dd>
            exact {sample.exactMatch ? 'yes' : 'no'} · F1 {formatScore(sample.f1)}
          </dd>
          <dt>Cost</dt>
          <dd>
            {formatMs(sample.latencyMs)} · {formatInteger(sample.tokensInput)} tokens in · {formatInteger(sample.tokensOutput)} out
            {sample.cacheHit ? ` · cache hit (${sample.cacheTier ?? 'memory'})` : ''}
            {sample.retries > 0 ? ` · ${sample.retries} retries` : ''}
          </dd>
          {sample.timings.length > 0 ? (
            <>
              <dt>Phases</dt>
              <dd>{sample.timings.map((t) => `${t.phase} ${formatMs(t.ms)}`).join(' · ')}</dd>
            </>
          ) : null}
        </dl>
        {sample.agent ? <AgentTraceView agent={sample.agent} /> : null}
        {sample.retrieval ? <RetrievalView retrieval={sample.retrieval} /> : null}
        <h3>Prompt</h3>
        <PromptView prompt={sample.prompt} />
        <h3>Raw output</h3>
        <pre className="text">{sample.rawOutput ?? '—'}</pre>
      </div>
    </div>
  );
}

function AgentTraceView({ agent }: { agent: NonNullable<Sample['agent']> }) {
  return (
    <div data-testid="agent-trace">
      <h3>
        Agent trace <span className="muted">{agent.iterations} iterations · {agent.toolCalls} tool calls · stopped: {agent.stopReason.toLowerCase()}</span>
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
                {step.toolMs != null ? <span className="muted"> · {formatMs(step.toolMs)}</span> : null}
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

function RetrievalView({ retrieval }: { retrieval: NonNullable<Sample['retrieval']> }) {
  return (
    <div data-testid="retrieved-passages">
      <h3>
        Retrieved passages <span className="muted">{retrieval.retrieval} · top {retrieval.topK}</span>
      </h3>
      <ol className="passages">
        {retrieval.passages.map((p) => (
          <li key={p.id}>
            <div>
              <b>{p.title}</b> <span className="muted">{p.id} · score {p.score.toFixed(3)}</span>
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
  return Array.isArray(prompt) && prompt.every((m) => typeof m === 'object' && m !== null && 'role' in m && 'content' in m);
}

function PromptView({ prompt }: { prompt: unknown }) {
  if (!isChat(prompt)) return <pre className="text">{JSON.stringify(prompt, null, 2)}</pre>;
  return (
    <div className="chat">
      {prompt.map((m, i) => (
        <div key={i} className={`msg ${m.role}`}>
          <div className="role">{m.role}</div>
          <pre className="text">{m.content}</pre>
        </div>
      ))}
    </div>
  );
}
