import { useState } from 'react';
import { useQuery } from 'urql';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { MultiComparison } from '../components/MultiComparison.tsx';
import { PAIR_OUTCOMES, type PairOutcomeValue } from '../enums.ts';
import {
  formatInteger,
  formatMs,
  formatPercent,
  formatPoints,
  formatPValue,
  formatScore,
  formatThroughput,
} from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import { ComparableExperimentsQuery, CompareQuery } from '../operations/compare.ts';
import { GRADED_METRICS, formatInterval } from '../model-graded.ts';
import { Pager, useCursorPages } from '../pagination.tsx';
import { Link, navigate, useLocation } from '../router.tsx';

type Comparison = ResultOf<typeof CompareQuery>['compareExperiments'];
type Side = Comparison['a'];

const PAGE_SIZE = 25;
/** Experiments a comparison takes at most (the API's limit). */
const MAX_COMPARED = 10;

/**
 * Two to ten experiments on the examples all of them ran. A and B get the detailed two-way view
 * (bootstrap intervals, outcomes); with more, every pair is tested and corrected for multiplicity.
 */
export function ComparePage() {
  const { query } = useLocation();
  const a = query.get('a') ?? '';
  const b = query.get('b') ?? '';
  const more = (query.get('more') ?? '').split(',').filter((id) => id !== '');
  const go = (next: { a: string; b: string; more: string[] }) => {
    const params = new URLSearchParams({ a: next.a, b: next.b });
    if (next.more.length > 0) params.set('more', next.more.join(','));
    navigate(`/compare?${params.toString()}`, { replace: true });
  };
  const choose = (side: string, id: string) => {
    if (side === 'a' || side === 'b') return go({ a, b, more, [side]: id });
    const index = Number(side);
    go({
      a,
      b,
      more:
        id === '' ? more.filter((_, i) => i !== index) : more.map((m, i) => (i === index ? id : m)),
    });
  };
  const extra = more.filter((id) => id !== a && id !== b);
  const ids = [a, b, ...extra];
  return (
    <div className="compare" data-testid="compare-page">
      <section className="panel">
        <h1>Compare experiments</h1>
        <Pickers a={a} b={b} more={more} choose={choose} />
        {ids.length < MAX_COMPARED ? (
          <button
            type="button"
            data-testid="add-experiment"
            onClick={() => go({ a, b, more: [...more, ''] })}
            disabled={!a || !b || more.includes('')}
          >
            + add an experiment ({ids.length} of {MAX_COMPARED})
          </button>
        ) : null}
      </section>
      {a && b ? (
        <>
          {extra.length > 0 ? <MultiComparison key={ids.join(':')} ids={ids} /> : null}
          <ComparisonView key={`${a}:${b}`} a={a} b={b} />
        </>
      ) : (
        <p className="muted panel">Pick two experiments that ran on the same dataset content.</p>
      )}
    </div>
  );
}

function Pickers({
  a,
  b,
  more,
  choose,
}: {
  a: string;
  b: string;
  more: string[];
  choose: (side: string, id: string) => void;
}) {
  const [{ data }] = useQuery({ query: ComparableExperimentsQuery });
  const finished = data?.experiments.nodes.filter((e) => e.status !== 'PENDING') ?? [];
  const picker = (side: string, value: string, label: string) => (
    <label className="field" key={side}>
      <span className="field-label">Experiment {label}</span>
      <select
        value={value}
        onChange={(e) => choose(side, e.target.value)}
        data-testid={`pick-${side}`}
      >
        <option value="">—</option>
        {finished.map((e) => (
          <option key={e.id} value={e.id}>
            {e.name} · {e.config.reasoningMethod} · {e.config.datasetName}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="row">
      {picker('a', a, 'A')}
      {picker('b', b, 'B')}
      {more.map((id, index) => picker(String(index), id, 'CDEFGHIJ'[index] ?? String(index + 3)))}
    </div>
  );
}

function ComparisonView({ a, b }: { a: string; b: string }) {
  const [outcome, setOutcome] = useState<PairOutcomeValue | null>(null);
  const pages = useCursorPages();
  const [{ data, error, fetching }] = useQuery({
    query: CompareQuery,
    variables: { a, b, first: PAGE_SIZE, after: pages.after, outcome },
  });
  if (error) return <ErrorNote error={error} />;
  const comparison = data?.compareExperiments;
  if (!comparison) return <p className="muted panel">{fetching ? 'Comparing…' : ''}</p>;
  return (
    <>
      <div className="columns even">
        <SideBySide comparison={comparison} />
        <Significance comparison={comparison} />
      </div>
      <section className="panel" data-testid="differences">
        <div className="panel-head">
          <h2>Per-sample differences</h2>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form fieldset */}
          <div className="segmented" role="group" aria-label="filter pairs">
            <button
              type="button"
              className={outcome === null ? 'active' : undefined}
              onClick={() => {
                setOutcome(null);
                pages.reset();
              }}
            >
              all {formatInteger(comparison.samplesInCommon)}
            </button>
            {PAIR_OUTCOMES.map((o) => (
              <button
                key={o}
                type="button"
                className={outcome === o ? 'active' : undefined}
                onClick={() => {
                  setOutcome(o);
                  pages.reset();
                }}
              >
                {outcomeLabel(o)} {formatInteger(outcomeCount(comparison, o))}
              </button>
            ))}
          </div>
        </div>
        <table className="data">
          <thead>
            <tr>
              <th>Example</th>
              <th>Question</th>
              <th>Expected</th>
              <th>A answered</th>
              <th>B answered</th>
              <th className="num">F1 B − A</th>
            </tr>
          </thead>
          <tbody>
            {comparison.differences.nodes.map((pair) => (
              <tr key={pair.exampleId}>
                <td className="muted">{pair.exampleId}</td>
                <td className="clip" title={pair.question}>
                  {pair.question}
                </td>
                <td className="clip">{pair.expectedAnswer}</td>
                <td className={pair.a.correct ? 'good clip' : 'bad clip'}>
                  {pair.a.correct ? '✓ ' : '✗ '}
                  {pair.a.error ?? pair.a.parsedAnswer ?? '—'}
                </td>
                <td className={pair.b.correct ? 'good clip' : 'bad clip'}>
                  {pair.b.correct ? '✓ ' : '✗ '}
                  {pair.b.error ?? pair.b.parsedAnswer ?? '—'}
                </td>
                <td className="num">{pair.f1Difference.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager
          pages={pages}
          pageInfo={comparison.differences.pageInfo}
          totalCount={comparison.differences.totalCount}
          pageSize={PAGE_SIZE}
        />
      </section>
    </>
  );
}

function SideBySide({ comparison }: { comparison: Comparison }) {
  const { a, b } = comparison;
  const metric = (side: Side) => side.experiment.metrics;
  const rows: [string, string, string, string][] = [
    [
      'Accuracy (common samples)',
      formatPercent(a.accuracy),
      formatPercent(b.accuracy),
      formatPoints(comparison.accuracyDifference),
    ],
    ['Correct', formatInteger(a.correct), formatInteger(b.correct), signed(b.correct - a.correct)],
    ['F1 mean', formatScore(a.f1Mean), formatScore(b.f1Mean), signedScore(comparison.f1Difference)],
    ['Unpaired samples', formatInteger(a.unpaired), formatInteger(b.unpaired), ''],
  ];
  const ma = metric(a);
  const mb = metric(b);
  if (ma && mb) {
    rows.push(
      ['Latency p50', formatMs(ma.latencyP50), formatMs(mb.latencyP50), ''],
      ['Latency p95', formatMs(ma.latencyP95), formatMs(mb.latencyP95), ''],
      ['Throughput', formatThroughput(ma.throughput), formatThroughput(mb.throughput), ''],
      [
        'Tokens out',
        formatInteger(ma.tokensOutput),
        formatInteger(mb.tokensOutput),
        signed(mb.tokensOutput - ma.tokensOutput),
      ],
    );
    for (const [metric, label] of GRADED_METRICS) {
      if (ma[metric] || mb[metric])
        rows.push([
          `${label} (95% CI)`,
          formatInterval(ma[metric]),
          formatInterval(mb[metric]),
          '',
        ]);
    }
  }
  return (
    <section className="panel" data-testid="side-by-side">
      <h2>
        Side by side{' '}
        <span className="muted">
          {comparison.datasetName} · {formatInteger(comparison.samplesInCommon)} samples in common
        </span>
      </h2>
      <table className="data">
        <thead>
          <tr>
            <th></th>
            <th className="num">
              A · <Link to={`/experiments/${a.experiment.id}`}>{a.experiment.name}</Link>
            </th>
            <th className="num">
              B · <Link to={`/experiments/${b.experiment.id}`}>{b.experiment.name}</Link>
            </th>
            <th className="num">B − A</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, va, vb, diff]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{va}</td>
              <td className="num">{vb}</td>
              <td className="num strong">{diff}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Significance({ comparison }: { comparison: Comparison }) {
  const { mcNemar, bootstrap } = comparison;
  const level = formatPercent(bootstrap.confidenceLevel).replace('.0 %', ' %');
  const interval = (
    ci: { estimate: number; lower: number; upper: number },
    format: (n: number) => string,
  ) => `${format(ci.estimate)}  [${format(ci.lower)}, ${format(ci.upper)}]`;
  return (
    <section className="panel" data-testid="significance">
      <h2>Significance</h2>
      <p className={mcNemar.significant ? 'verdict good' : 'verdict'} data-testid="verdict">
        {mcNemar.significant
          ? `The difference is significant at ${level}.`
          : `No significant difference at ${level}.`}
      </p>
      <dl className="facts">
        <dt>McNemar</dt>
        <dd data-testid="mcnemar">
          {mcNemar.method === 'EXACT_BINOMIAL' ? 'exact binomial' : 'χ² with continuity correction'}{' '}
          · only A {mcNemar.onlyA} · only B {mcNemar.onlyB}
          {mcNemar.statistic != null ? ` · χ² ${mcNemar.statistic.toFixed(3)}` : ''} · p ={' '}
          <span data-testid="p-value">{formatPValue(mcNemar.pValue)}</span>
        </dd>
        <dt>Accuracy A</dt>
        <dd>{interval(bootstrap.accuracyA, formatPercent)}</dd>
        <dt>Accuracy B</dt>
        <dd>{interval(bootstrap.accuracyB, formatPercent)}</dd>
        <dt>Accuracy B − A</dt>
        <dd>{interval(bootstrap.accuracyDifference, formatPoints)}</dd>
        <dt>F1 B − A</dt>
        <dd>{interval(bootstrap.f1Difference, signedScore)}</dd>
        <dt>Bootstrap</dt>
        <dd className="muted">
          {formatInteger(bootstrap.resamples)} paired resamples, seed {bootstrap.seed}, {level}{' '}
          percentile intervals
        </dd>
      </dl>
    </section>
  );
}

function outcomeLabel(outcome: PairOutcomeValue): string {
  return {
    ONLY_A: 'only A right',
    ONLY_B: 'only B right',
    BOTH_CORRECT: 'both right',
    BOTH_WRONG: 'both wrong',
  }[outcome];
}

function outcomeCount(comparison: Comparison, outcome: PairOutcomeValue): number {
  const o = comparison.outcomes;
  return { ONLY_A: o.onlyA, ONLY_B: o.onlyB, BOTH_CORRECT: o.bothCorrect, BOTH_WRONG: o.bothWrong }[
    outcome
  ];
}

function signed(n: number): string {
  return n > 0 ? `+${formatInteger(n)}` : n < 0 ? `−${formatInteger(-n)}` : '±0';
}

function signedScore(n: number): string {
  return n > 0 ? `+${n.toFixed(3)}` : n < 0 ? `−${(-n).toFixed(3)}` : '±0.000';
}
