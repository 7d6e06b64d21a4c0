import { useState } from 'react';
import { useQuery } from 'urql';
import { formatMs, formatScore } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import { useRefetchOn } from '../hooks.ts';
import { SamplesQuery } from '../operations/experiment.ts';
import { Pager, useCursorPages } from '../pagination.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { SampleDetail } from './SampleDetail.tsx';

export type Sample = NonNullable<
  ResultOf<typeof SamplesQuery>['experiment']
>['samples']['nodes'][number];

const PAGE_SIZE = 25;
const FILTERS = {
  all: {},
  correct: { correct: true },
  wrong: { correct: false, failed: false },
  failed: { failed: true },
} as const;
type Filter = keyof typeof FILTERS;

/** Every sample of the latest attempt, page by page; a click opens its prompt, output and trace. */
export function SampleTable({
  experimentId,
  refreshKey,
}: {
  experimentId: string;
  refreshKey: string;
}) {
  const [filter, setFilter] = useState<Filter>('all');
  const [open, setOpen] = useState<Sample | null>(null);
  const pages = useCursorPages();
  const variables = { id: experimentId, first: PAGE_SIZE, after: pages.after, ...FILTERS[filter] };
  const [{ data, error, fetching }, reexecute] = useQuery({ query: SamplesQuery, variables });
  useRefetchOn(refreshKey, reexecute);
  const samples = data?.experiment?.samples;
  return (
    <section className="panel" data-testid="sample-table">
      <div className="panel-head">
        <h2>Samples</h2>
        {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form fieldset */}
        <div className="segmented" role="group" aria-label="filter samples">
          {(Object.keys(FILTERS) as Filter[]).map((f) => (
            <button
              key={f}
              type="button"
              className={f === filter ? 'active' : undefined}
              onClick={() => {
                setFilter(f);
                pages.reset();
              }}
            >
              {f}
            </button>
          ))}
        </div>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!samples ? (
        <p className="muted">{fetching ? 'Loading…' : 'No samples.'}</p>
      ) : (
        <>
          <table className="data samples">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Question</th>
                <th>Expected</th>
                <th>Answer</th>
                <th></th>
                <th className="num">F1</th>
                <th className="num">Latency</th>
                <th>Cache</th>
                <th>Trace</th>
              </tr>
            </thead>
            <tbody>
              {samples.nodes.map((s) => (
                <tr
                  key={s.sampleIndex}
                  className="clickable"
                  onClick={() => setOpen(s)}
                  data-testid={`sample-row-${s.sampleIndex}`}
                >
                  <td className="num">{s.sampleIndex}</td>
                  <td className="clip" title={s.question}>
                    {s.question}
                  </td>
                  <td className="clip" title={s.expectedAnswer}>
                    {s.expectedAnswer}
                  </td>
                  <td className="clip" title={s.error ?? s.parsedAnswer ?? ''}>
                    {s.error ? <span className="bad">{s.error}</span> : (s.parsedAnswer ?? '—')}
                  </td>
                  <td className={s.correct ? 'good' : 'bad'}>
                    {s.error ? '!' : s.correct ? '✓' : '✗'}
                  </td>
                  <td className="num">{formatScore(s.f1)}</td>
                  <td className="num">{formatMs(s.latencyMs)}</td>
                  <td>
                    {s.cacheHit ? (
                      <span className="badge cache">{s.cacheTier ?? 'hit'}</span>
                    ) : (
                      <span className="muted">miss</span>
                    )}
                  </td>
                  <td>{traceLabel(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            pages={pages}
            pageInfo={samples.pageInfo}
            totalCount={samples.totalCount}
            pageSize={PAGE_SIZE}
          />
        </>
      )}
      {open ? (
        <SampleDetail sample={open} pageVariables={variables} onClose={() => setOpen(null)} />
      ) : null}
    </section>
  );
}

function traceLabel(sample: Sample): string {
  if (sample.agent) return `${sample.agent.iterations} steps`;
  if (sample.retrieval) return `${sample.retrieval.passages.length} passages`;
  return '';
}
