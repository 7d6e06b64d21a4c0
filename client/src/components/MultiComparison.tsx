import { useState } from 'react';
import { useQuery } from 'urql';
import { formatInteger, formatMs, formatPercent, formatPValue, formatScore } from '../format.ts';
import { GRADED_METRICS, formatInterval } from '../model-graded.ts';
import { CompareManyQuery } from '../operations/compare.ts';
import { Pager, useCursorPages } from '../pagination.tsx';
import { Link } from '../router.tsx';
import { ErrorNote } from './ErrorNote.tsx';

const PAGE_SIZE = 25;
const LETTERS = 'ABCDEFGHIJ';

/** 2..10 experiments: one table line each, every pair tested (Holm–Bonferroni corrected), the per-example matrix. */
export function MultiComparison({ ids }: { ids: string[] }) {
  const [disagreeOnly, setDisagreeOnly] = useState(true);
  const pages = useCursorPages();
  const [{ data, error, fetching }] = useQuery({
    query: CompareManyQuery,
    variables: { ids, first: PAGE_SIZE, after: pages.after, disagreeOnly },
  });
  if (error) return <ErrorNote error={error} />;
  const comparison = data?.compareExperiments;
  if (!comparison) return <p className="muted panel">{fetching ? 'Comparing…' : ''}</p>;
  const letter = (index: number) => LETTERS[index] ?? String(index + 1);
  // Model-graded columns only for the metrics some compared experiment has.
  const graded = GRADED_METRICS.filter(([metric]) =>
    comparison.experiments.some((row) => row.experiment.metrics?.[metric]),
  );
  return (
    <>
      <section className="panel" data-testid="multi-table">
        <h2>
          All {ids.length} experiments{' '}
          <span className="muted">
            {formatInteger(comparison.samplesInCommonAll)} samples every one ran
          </span>
        </h2>
        <table className="data">
          <thead>
            <tr>
              <th></th>
              <th>Experiment</th>
              <th className="num">Accuracy [95 % CI]</th>
              <th className="num">F1</th>
              <th className="num">p50</th>
              <th className="num">p95</th>
              <th className="num">p99</th>
              <th className="num">Tokens in / out</th>
              <th className="num">Cost</th>
              {graded.map(([metric, label]) => (
                <th key={metric} className="num">
                  {label} [95 % CI]
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {comparison.experiments.map((row, index) => (
              <tr key={row.experiment.id}>
                <th scope="row">{letter(index)}</th>
                <td>
                  <Link to={`/experiments/${row.experiment.id}`}>{row.experiment.name}</Link>{' '}
                  <span className="muted">{row.experiment.config.reasoningMethod}</span>
                </td>
                <td className="num">
                  {formatPercent(row.accuracy.estimate)} [{formatPercent(row.accuracy.lower)},{' '}
                  {formatPercent(row.accuracy.upper)}]
                </td>
                <td className="num">{formatScore(row.f1Mean)}</td>
                <td className="num">{formatMs(row.latency.p50)}</td>
                <td className="num">{formatMs(row.latency.p95)}</td>
                <td className="num">{formatMs(row.latency.p99)}</td>
                <td className="num">
                  {formatInteger(row.tokensInput)} / {formatInteger(row.tokensOutput)}
                </td>
                <td className="num">
                  {row.estimatedCostUsd == null ? '—' : `$${row.estimatedCostUsd.toFixed(4)}`}
                </td>
                {graded.map(([metric]) => (
                  <td key={metric} className="num" data-testid={`multi-${metric}`}>
                    {formatInterval(row.experiment.metrics?.[metric])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" data-testid="pairwise">
        <h2>
          Every pair <span className="muted">McNemar, Holm–Bonferroni corrected</span>
        </h2>
        <table className="data">
          <thead>
            <tr>
              <th>Pair</th>
              <th className="num">Only first right</th>
              <th className="num">Only second right</th>
              <th className="num">p</th>
              <th className="num">Corrected p</th>
              <th>Verdict</th>
            </tr>
          </thead>
          <tbody>
            {comparison.pairwise.map((pair) => (
              <tr key={`${pair.a}-${pair.b}`}>
                <td>
                  {letter(pair.a)} vs {letter(pair.b)}
                </td>
                <td className="num">{pair.onlyA}</td>
                <td className="num">{pair.onlyB}</td>
                <td className="num">{formatPValue(pair.pValue)}</td>
                <td className="num" data-testid="adjusted-p">
                  {formatPValue(pair.adjustedPValue)}
                </td>
                <td className={pair.significant ? 'good' : 'muted'}>
                  {pair.significant ? 'significant' : 'not significant'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" data-testid="matrix">
        <div className="panel-head">
          <h2>Per-sample matrix</h2>
          <label>
            <input
              type="checkbox"
              checked={disagreeOnly}
              onChange={(e) => {
                setDisagreeOnly(e.target.checked);
                pages.reset();
              }}
            />{' '}
            only where they disagree
          </label>
        </div>
        <table className="data">
          <thead>
            <tr>
              <th>Example</th>
              <th>Question</th>
              <th>Expected</th>
              {ids.map((id, index) => (
                <th key={id}>{letter(index)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {comparison.matrix.nodes.map((row) => (
              <tr key={row.exampleId}>
                <td className="muted">{row.exampleId}</td>
                <td className="clip" title={row.question}>
                  {row.question}
                </td>
                <td className="clip">{row.expectedAnswer}</td>
                {row.cells.map((cell, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells follow the fixed order of the compared experiments, so the position is the column's identity
                  <td key={index} className={cell.correct ? 'good clip' : 'bad clip'}>
                    {cell.correct ? '✓ ' : '✗ '}
                    {cell.error ?? cell.parsedAnswer ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <Pager
          pages={pages}
          pageInfo={comparison.matrix.pageInfo}
          totalCount={comparison.matrix.totalCount}
          pageSize={PAGE_SIZE}
        />
      </section>
    </>
  );
}
