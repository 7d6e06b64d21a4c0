import { useCallback, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { LatencyHistogram, PhaseTimeChart } from '../components/charts.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { GatesPanel } from '../components/GatesPanel.tsx';
import { LiveFeed } from '../components/LiveFeed.tsx';
import { GRADED_METRICS, intervalHint, kebab } from '../model-graded.ts';
import { MetricCard } from '../components/MetricCard.tsx';
import { ProfileSection } from '../components/ProfileSection.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { SampleTable } from '../components/SampleTable.tsx';
import { ACTIVE_STATUSES, StatusBadge } from '../components/StatusBadge.tsx';
import {
  formatDateTime,
  formatInteger,
  formatMs,
  formatPercent,
  formatScore,
  formatThroughput,
  formatUsd,
} from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import { useLiveRun } from '../live-run.ts';
import { useRefetchOn } from '../hooks.ts';
import {
  CancelExperimentMutation,
  DeleteExperimentMutation,
  ExperimentQuery,
  LatenciesQuery,
  RunExperimentMutation,
} from '../operations/experiment.ts';
import { Link, navigate } from '../router.tsx';

type Experiment = NonNullable<ResultOf<typeof ExperimentQuery>['experiment']>;

/** One experiment: live progress, metrics, the optimization profile, plots and every sample. */
export function ExperimentPage({ id }: { id: string }) {
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: ExperimentQuery,
    variables: { id },
  });
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const experiment = data?.experiment;
  if (!experiment) {
    return (
      <section className="panel">
        {error ? (
          <ErrorNote error={error} />
        ) : (
          <p className="muted">{fetching ? 'Loading…' : 'Not found.'}</p>
        )}
      </section>
    );
  }
  // A new attempt starts with empty live state.
  return (
    <ExperimentView key={experiment.currentAttempt} experiment={experiment} refresh={refresh} />
  );
}

function ExperimentView({ experiment, refresh }: { experiment: Experiment; refresh: () => void }) {
  const active = ACTIVE_STATUSES.has(experiment.status);
  const live = useLiveRun(experiment.id, active, refresh);
  const progress = active && live.progress ? live.progress : experiment.progress;
  const profile = active && live.profile ? live.profile : experiment.profile;
  const refreshKey = `${experiment.status}:${experiment.progress.done}`;
  return (
    <div className="experiment" data-testid="experiment-page">
      <Header experiment={experiment} progress={progress} refresh={refresh} />
      <Metrics experiment={experiment} />
      <div className="columns">
        {profile ? (
          <ProfileSection profile={profile} live={active && live.profile !== null} />
        ) : (
          <section className="panel">
            <h2>⚡ Optimization Profile</h2>
            <p className="muted">The profile appears when the experiment runs.</p>
          </section>
        )}
        <LiveFeed samples={live.feed} />
      </div>
      <section className="panel charts">
        <Histogram
          experimentId={experiment.id}
          status={experiment.status}
          live={live.latencies}
          scored={progress.done - progress.failed}
        />
        {profile ? <PhaseTimeChart profile={profile} /> : null}
      </section>
      <div className="columns even">
        <ConfigPanel experiment={experiment} />
        <AttemptsPanel experiment={experiment} />
      </div>
      <GatesPanel experimentId={experiment.id} refreshKey={refreshKey} />
      <SampleTable experimentId={experiment.id} refreshKey={refreshKey} />
    </div>
  );
}

/** Latencies of the samples the page has seen: the first 1000 read from the API, then every streamed one. */
function Histogram({
  experimentId,
  status,
  live,
  scored,
}: {
  experimentId: string;
  status: string;
  live: ReadonlyMap<number, number>;
  scored: number;
}) {
  const [{ data }, reexecute] = useQuery({
    query: LatenciesQuery,
    variables: { id: experimentId },
  });
  useRefetchOn(status, reexecute);
  const byIndex = new Map(live);
  for (const sample of data?.experiment?.samples.nodes ?? [])
    if (!sample.error) byIndex.set(sample.sampleIndex, sample.latencyMs);
  const latencies = [...byIndex.values()];
  return (
    <LatencyHistogram
      latencies={latencies}
      note={
        latencies.length < scored
          ? `${formatInteger(latencies.length)} of ${formatInteger(scored)} samples`
          : undefined
      }
    />
  );
}

function Header({
  experiment,
  progress,
  refresh,
}: {
  experiment: Experiment;
  progress: { done: number; total: number; failed: number };
  refresh: () => void;
}) {
  const active = ACTIVE_STATUSES.has(experiment.status);
  const [run, runExperiment] = useMutation(RunExperimentMutation);
  const [cancel, cancelExperiment] = useMutation(CancelExperimentMutation);
  const [remove, deleteExperiment] = useMutation(DeleteExperimentMutation);
  const [apiKey, setApiKey] = useState('');
  const remote = experiment.config.provider.kind !== 'SIMULATED';
  const failure = run.error ?? cancel.error ?? remove.error;
  const onRun = async () => {
    const result = await runExperiment({
      id: experiment.id,
      apiKey: remote && apiKey ? apiKey : null,
    });
    if (!result.error) refresh();
  };
  const onDelete = async () => {
    if (!window.confirm(`Delete "${experiment.name}" with all its attempts and results?`)) return;
    const result = await deleteExperiment({ id: experiment.id });
    if (!result.error) navigate('/');
  };
  const exportUrl = (format: string) =>
    `/api/v1/results/${encodeURIComponent(experiment.id)}/export?format=${format}`;
  return (
    <section className="panel header">
      <div className="panel-head">
        <div>
          <h1 data-testid="experiment-name">{experiment.name}</h1>
          <div className="chips">
            <StatusBadge status={experiment.status} />
            <span className="chip">{experiment.config.reasoningMethod}</span>
            <span className="chip">{experiment.config.modelName}</span>
            <span className="chip">{experiment.config.datasetName}</span>
            <span className="chip">
              {experiment.config.provider.kind.toLowerCase().replace('_', '-')}
            </span>
            {experiment.currentAttempt > 1 ? (
              <span className="chip">attempt {experiment.currentAttempt}</span>
            ) : null}
          </div>
        </div>
        <div className="actions">
          {active ? (
            <button
              type="button"
              className="danger"
              disabled={cancel.fetching}
              onClick={() => void cancelExperiment({ id: experiment.id })}
              data-testid="cancel"
            >
              Cancel
            </button>
          ) : (
            <>
              {remote ? (
                <input
                  type="password"
                  className="inline-key"
                  placeholder="API key (optional)"
                  value={apiKey}
                  onChange={(e) => setApiKey(e.target.value)}
                />
              ) : null}
              <button
                type="button"
                className="primary"
                disabled={run.fetching}
                onClick={() => void onRun()}
                data-testid="rerun"
              >
                {experiment.currentAttempt === 0 ? 'Run' : 'Re-run'}
              </button>
            </>
          )}
          <a className="button" href={exportUrl('csv')} download>
            Export CSV
          </a>
          <a className="button" href={exportUrl('json')} download>
            JSON
          </a>
          <Link className="button" to={`/compare?a=${experiment.id}`}>
            Compare…
          </Link>
          <button
            type="button"
            className="ghost"
            disabled={remove.fetching}
            onClick={() => void onDelete()}
          >
            Delete
          </button>
        </div>
      </div>
      {experiment.description ? <p>{experiment.description}</p> : null}
      <ProgressBar done={progress.done} total={progress.total} failed={progress.failed} />
      {experiment.error ? <ErrorNote error={experiment.error} /> : null}
      {failure ? <ErrorNote error={failure} /> : null}
    </section>
  );
}

function Metrics({ experiment }: { experiment: Experiment }) {
  const m = experiment.metrics;
  if (!m) return null;
  return (
    <section className="cards metrics" data-testid="metrics">
      <MetricCard
        label="Accuracy (any)"
        value={formatPercent(m.accuracyAny)}
        testId="metric-accuracy-any"
        hint={`exact or substring · ${formatInteger(m.samples)} samples`}
      />
      <MetricCard
        label="Exact match"
        value={formatPercent(m.accuracyExact)}
        testId="metric-accuracy-exact"
        hint={`substring ${formatPercent(m.accuracySubstring)}`}
      />
      <MetricCard
        label="F1"
        value={formatScore(m.f1Mean)}
        testId="metric-f1"
        hint="mean token F1"
      />
      <MetricCard
        label="Latency p50"
        value={formatMs(m.latencyP50)}
        testId="metric-latency-p50"
        hint={`mean ${formatMs(m.latencyMean)}`}
      />
      <MetricCard label="Latency p95" value={formatMs(m.latencyP95)} testId="metric-latency-p95" />
      <MetricCard label="Latency p99" value={formatMs(m.latencyP99)} testId="metric-latency-p99" />
      <MetricCard
        label="Throughput"
        value={formatThroughput(m.throughput)}
        testId="metric-throughput"
        hint="samples per second"
      />
      <MetricCard
        label="Tokens"
        value={formatInteger(m.tokensInput + m.tokensOutput)}
        testId="metric-tokens"
        hint={`${formatInteger(m.tokensInput)} in · ${formatInteger(m.tokensOutput)} out${m.estimatedCostUsd != null ? ` · ${formatUsd(m.estimatedCostUsd)}` : ''}`}
      />
      {GRADED_METRICS.map(([metric, label]) => {
        const interval = m[metric];
        return interval ? (
          <MetricCard
            key={metric}
            label={label}
            value={formatScore(interval.mean)}
            testId={`metric-${kebab(metric)}`}
            hint={intervalHint(interval)}
          />
        ) : null;
      })}
      {m.failed > 0 ? (
        <MetricCard label="Failed samples" value={formatInteger(m.failed)} testId="metric-failed" />
      ) : null}
    </section>
  );
}

function ConfigPanel({ experiment }: { experiment: Experiment }) {
  const c = experiment.config;
  const o = c.optimization;
  const p = c.provider;
  const provider =
    p.kind === 'SIMULATED'
      ? `simulated · ${p.latencyMs ?? 0} ms ± ${p.jitterMs ?? 0}`
      : p.kind === 'OPENAI_COMPATIBLE'
        ? `OpenAI-compatible · ${p.baseUrl ?? ''}`
        : `Hugging Face${p.hfProvider ? ` · ${p.hfProvider}` : ''}${p.endpointUrl ? ` · ${p.endpointUrl}` : ''}`;
  return (
    <section className="panel">
      <h2>Configuration</h2>
      <dl className="facts">
        <dt>Provider</dt>
        <dd>{provider}</dd>
        <dt>Samples</dt>
        <dd>{formatInteger(c.numSamples)} requested</dd>
        <dt>Generation</dt>
        <dd>
          temperature {c.hyperparameters.temperature} · max tokens {c.hyperparameters.maxTokens} ·
          top p {c.hyperparameters.topP} · seed {c.hyperparameters.seed}
        </dd>
        <dt>Optimization</dt>
        <dd>
          batching {o.enableBatching ? `on (${o.batchSize})` : 'off'} · caching{' '}
          {o.enableCaching ? `on (${o.cacheMaxSize})` : 'off'} · profiling{' '}
          {o.enableProfiling ? 'on' : 'off'}
        </dd>
        {c.agent ? (
          <>
            <dt>Agent</dt>
            <dd>
              {c.agent.maxIterations} iterations · {c.agent.tools.join(', ')}
            </dd>
          </>
        ) : null}
        {c.rag ? (
          <>
            <dt>Retrieval</dt>
            <dd>
              {c.rag.retrieval} · top {c.rag.topK} · {c.rag.knowledgeBase}
            </dd>
            {c.rag.embedding ? (
              <>
                <dt>Embedding</dt>
                <dd data-testid="config-embedding">{endpointText(c.rag.embedding)}</dd>
              </>
            ) : null}
            {c.rag.reranker ? (
              <>
                <dt>Reranker</dt>
                <dd data-testid="config-reranker">{endpointText(c.rag.reranker)}</dd>
              </>
            ) : null}
          </>
        ) : null}
        <dt>Created</dt>
        <dd>{formatDateTime(experiment.createdAt)}</dd>
      </dl>
    </section>
  );
}

function AttemptsPanel({ experiment }: { experiment: Experiment }) {
  return (
    <section className="panel">
      <h2>Attempts</h2>
      {experiment.attempts.length === 0 ? (
        <p className="muted">Not run yet.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Status</th>
              <th className="num">Samples</th>
              <th className="num">Wall time</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {[...experiment.attempts].reverse().map((a) => (
              <tr key={a.number}>
                <td className="num">{a.number}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td className="num">{formatInteger(a.totalSamples)}</td>
                <td className="num">{a.wallTimeMs > 0 ? formatMs(a.wallTimeMs) : '—'}</td>
                <td className="muted nowrap">{a.startedAt ? formatDateTime(a.startedAt) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** `model · KIND (where)` of an embedding model or reranker. */
function endpointText(endpoint: {
  model: string;
  provider: {
    kind: string;
    baseUrl?: string | null;
    endpointUrl?: string | null;
    hfProvider?: string | null;
  };
}): string {
  const { kind, baseUrl, endpointUrl, hfProvider } = endpoint.provider;
  const where = baseUrl ?? endpointUrl ?? hfProvider;
  return `${endpoint.model} · ${kind}${where ? ` (${where})` : ''}`;
}
