import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { ACTIVE_STATUSES, StatusBadge } from '../components/StatusBadge.tsx';
import {
  METHODS,
  STATUSES,
  type ExperimentStatusValue,
  type ReasoningMethodValue,
} from '../enums.ts';
import { formatDateTime, formatMs, formatPercent } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import { useThrottled } from '../hooks.ts';
import {
  ExperimentsChangedSubscription,
  ExperimentsQuery,
  RowProgressSubscription,
} from '../operations/experiments.ts';
import { Pager, useCursorPages } from '../pagination.tsx';
import { Link, navigate } from '../router.tsx';

type Row = ResultOf<typeof ExperimentsQuery>['experiments']['nodes'][number];

const PAGE_SIZE = 20;

/** Every experiment, newest first, filtered and paged; kept current by the experimentsChanged subscription. */
export function ExperimentsPage() {
  const [status, setStatus] = useState<ExperimentStatusValue | ''>('');
  const [method, setMethod] = useState<ReasoningMethodValue | ''>('');
  const [model, setModel] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const pages = useCursorPages();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: ExperimentsQuery,
    variables: {
      first: PAGE_SIZE,
      after: pages.after,
      status: status || null,
      method: method || null,
      model: model.trim() || null,
    },
  });
  const refetch = useThrottled(() => reexecute({ requestPolicy: 'network-only' }), 300);
  // Counts changes (the handler must stay pure); each new count re-reads the page.
  const [{ data: changes = 0 }] = useSubscription(
    { query: ExperimentsChangedSubscription },
    (count: number = 0) => count + 1,
  );
  useEffect(() => {
    if (changes > 0) refetch();
  }, [changes, refetch]);
  const filtered =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      pages.reset();
    };
  const toggle = (id: string) =>
    setSelected((ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id].slice(-2)));
  const connection = data?.experiments;

  return (
    <section className="panel" data-testid="experiments-page">
      <div className="panel-head">
        <h1>
          Experiments{' '}
          {connection ? (
            <span className="muted count" data-testid="experiments-count">
              {connection.totalCount}
            </span>
          ) : null}
        </h1>
        <div className="actions">
          <button
            type="button"
            disabled={selected.length !== 2}
            onClick={() => navigate(`/compare?a=${selected[0]}&b=${selected[1]}`)}
          >
            Compare selected ({selected.length}/2)
          </button>
          <Link to="/experiments/new" className="button primary">
            + New experiment
          </Link>
        </div>
      </div>
      <div className="filters">
        <label>
          Status
          <select
            value={status}
            onChange={(e) => filtered(setStatus)(e.target.value as ExperimentStatusValue | '')}
            data-testid="filter-status"
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Method
          <select
            value={method}
            onChange={(e) => filtered(setMethod)(e.target.value as ReasoningMethodValue | '')}
            data-testid="filter-method"
          >
            <option value="">any</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            type="search"
            placeholder="part of the model name"
            value={model}
            onChange={(e) => filtered(setModel)(e.target.value)}
            data-testid="filter-model"
          />
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!connection ? (
        <p className="muted">{fetching ? 'Loading…' : ''}</p>
      ) : connection.nodes.length === 0 ? (
        <p className="empty">
          No experiment{status || method || model ? ' matches these filters' : ' yet'}.{' '}
          <Link to="/experiments/new">Create one</Link>.
        </p>
      ) : (
        <>
          <table className="data experiments" data-testid="experiments-table">
            <thead>
              <tr>
                <th aria-label="select"></th>
                <th>Name</th>
                <th>Status</th>
                <th>Method</th>
                <th>Model</th>
                <th>Dataset</th>
                <th>Progress</th>
                <th className="num">Accuracy</th>
                <th className="num">Wall time</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {connection.nodes.map((row) => (
                <ExperimentRow
                  key={row.id}
                  row={row}
                  selected={selected.includes(row.id)}
                  onToggle={() => toggle(row.id)}
                />
              ))}
            </tbody>
          </table>
          <Pager
            pages={pages}
            pageInfo={connection.pageInfo}
            totalCount={connection.totalCount}
            pageSize={PAGE_SIZE}
          />
        </>
      )}
    </section>
  );
}

function ExperimentRow({
  row,
  selected,
  onToggle,
}: {
  row: Row;
  selected: boolean;
  onToggle: () => void;
}) {
  const latest = row.attempts.find((a) => a.number === row.currentAttempt);
  return (
    <tr data-testid={`experiment-row-${row.id}`}>
      <td>
        <input
          type="checkbox"
          checked={selected}
          onChange={onToggle}
          aria-label={`select ${row.name}`}
        />
      </td>
      <td>
        <Link to={`/experiments/${row.id}`} className="strong">
          {row.name}
        </Link>
      </td>
      <td>
        <StatusBadge status={row.status} />
      </td>
      <td>{row.config.reasoningMethod}</td>
      <td className="clip" title={row.config.modelName}>
        {row.config.modelName}
      </td>
      <td>{row.config.datasetName}</td>
      <td className="progress-cell">
        {ACTIVE_STATUSES.has(row.status) ? (
          <LiveRowProgress id={row.id} initial={row.progress} />
        ) : (
          <ProgressBar {...row.progress} compact />
        )}
      </td>
      <td className="num" data-testid="row-accuracy">
        {row.metrics ? formatPercent(row.metrics.accuracyAny) : '—'}
      </td>
      <td className="num" data-testid="row-wall-time">
        {latest && !ACTIVE_STATUSES.has(row.status) && latest.wallTimeMs > 0
          ? formatMs(latest.wallTimeMs)
          : '—'}
      </td>
      <td className="muted nowrap">{formatDateTime(row.createdAt)}</td>
    </tr>
  );
}

/** Progress of a running row, pushed by its own event stream. */
function LiveRowProgress({ id, initial }: { id: string; initial: Row['progress'] }) {
  const [{ data: progress = initial }] = useSubscription(
    { query: RowProgressSubscription, variables: { id } },
    (previous: Row['progress'] | undefined, { experimentEvents: event }) =>
      event.__typename === 'ExperimentProgress' ? event : (previous ?? initial),
  );
  return (
    <ProgressBar done={progress.done} total={progress.total} failed={progress.failed} compact />
  );
}
