import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { formatPercent } from '../format.ts';
import { useRefetchOn } from '../hooks.ts';
import type { ResultOf } from '../graphql.ts';
import { CheckRegressionMutation, GatesQuery, PinBaselineMutation } from '../operations/gates.ts';
import { Link } from '../router.tsx';
import { ErrorNote } from './ErrorNote.tsx';

type Gates = NonNullable<ResultOf<typeof GatesQuery>['experiment']>;
type Report = NonNullable<Gates['attempts'][number]['regression']>;

/** Graders, failure modes, the run manifest hash and the regression gate of one experiment. */
export function GatesPanel({
  experimentId,
  refreshKey,
}: {
  experimentId: string;
  refreshKey: string;
}) {
  const [{ data, error }, reexecute] = useQuery({
    query: GatesQuery,
    variables: { id: experimentId },
  });
  useRefetchOn(refreshKey, reexecute);
  const [check, runCheck] = useMutation(CheckRegressionMutation);
  const [pin, runPin] = useMutation(PinBaselineMutation);
  const [baseline, setBaseline] = useState('');
  const gates = data?.experiment;
  if (!gates) return error ? <ErrorNote error={error} /> : null;
  const attempt = gates.attempts.find((a) => a.number === gates.currentAttempt);
  const report = check.data?.checkRegression ?? attempt?.regression ?? null;
  const grading = gates.metrics?.grading;
  const onCheck = async () => {
    await runCheck({ input: { candidate: experimentId, baseline: baseline.trim() || null } });
    reexecute({ requestPolicy: 'network-only' });
  };
  return (
    <section className="panel" data-testid="gates-panel">
      <h2>Prompt, graders and regression gate</h2>
      <dl className="facts">
        <dt>Prompt</dt>
        <dd>
          {gates.config.prompt ? (
            <Link to="/prompts">
              {gates.config.prompt.name} v{gates.config.prompt.version}
            </Link>
          ) : (
            'the method’s own'
          )}
        </dd>
        <dt>Manifest</dt>
        <dd>
          <code data-testid="manifest-hash">{attempt?.manifestHash?.slice(0, 16) ?? '—'}</code>
        </dd>
      </dl>
      {grading && grading.graders.length > 0 ? (
        <table className="compact">
          <thead>
            <tr>
              <th>grader</th>
              <th>pass rate (95 % CI)</th>
              <th>errors</th>
            </tr>
          </thead>
          <tbody>
            {grading.graders.map((g) => (
              <tr key={g.key}>
                <td>
                  {g.kind} <span className="muted">{g.key}</span>
                </td>
                <td>
                  {formatPercent(g.passRate.estimate)} ({formatPercent(g.passRate.lower)}–
                  {formatPercent(g.passRate.upper)})
                </td>
                <td>{g.errors}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {grading ? (
        <p className="muted">
          Failure modes:{' '}
          {grading.failureModes
            .filter((m) => m.count > 0)
            .map((m) => `${m.mode} ${m.count}`)
            .join(' · ') || 'none'}
        </p>
      ) : null}
      <div className="row">
        <input
          aria-label="Baseline experiment id"
          placeholder="baseline id (default: pinned or latest)"
          value={baseline}
          onChange={(e) => setBaseline(e.target.value)}
        />
        <button type="button" onClick={onCheck} disabled={check.fetching}>
          Check regression
        </button>
        <button type="button" onClick={() => runPin({ id: experimentId })} disabled={pin.fetching}>
          {pin.data ? 'Pinned' : 'Pin as baseline'}
        </button>
      </div>
      {check.error ? <ErrorNote error={check.error} /> : null}
      {pin.error ? <ErrorNote error={pin.error} /> : null}
      {report ? <Verdict report={report} /> : null}
    </section>
  );
}

function Verdict({ report }: { report: Report }) {
  return (
    <div className={`verdict verdict-${report.verdict.toLowerCase()}`} data-testid="verdict">
      <p>
        <strong>{report.verdict}</strong> against{' '}
        <Link to={`/experiments/${encodeURIComponent(report.baseline.experimentId)}`}>
          baseline
        </Link>{' '}
        ({(report.baseline.how ?? '').toLowerCase()}): accuracy{' '}
        {formatPercent(report.accuracy.baseline)} → {formatPercent(report.accuracy.candidate)},{' '}
        {report.samplesInCommon} samples in common ({formatPercent(report.overlap)})
      </p>
      {report.violations.length > 0 ? (
        <ul>
          {report.violations.map((v) => (
            <li key={v}>{v}</li>
          ))}
        </ul>
      ) : null}
      {report.manifestDiff.length > 0 ? (
        <table className="compact" data-testid="manifest-diff">
          <thead>
            <tr>
              <th>changed</th>
              <th>baseline</th>
              <th>candidate</th>
            </tr>
          </thead>
          <tbody>
            {report.manifestDiff.map((c) => (
              <tr key={c.path}>
                <td>
                  <code>{c.path}</code>
                </td>
                <td>{JSON.stringify(c.baseline)}</td>
                <td>{JSON.stringify(c.candidate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Same manifest inputs.</p>
      )}
      {report.regressions.totalCount > 0 ? (
        <details>
          <summary>{report.regressions.totalCount} regressions</summary>
          <ul>
            {report.regressions.nodes.map((s) => (
              <li key={s.exampleId}>
                {s.exampleId}: expected {s.expectedAnswer}, was {s.baselineAnswer ?? '—'}, now{' '}
                {s.candidateAnswer ?? '—'} ({s.failureMode ?? '—'})
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
