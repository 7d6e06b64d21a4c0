import { formatInteger, formatMs, formatPercent } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import type { ProfileFields } from '../operations/fragments.ts';
import { MetricCard } from './MetricCard.tsx';

export type Profile = ResultOf<typeof ProfileFields>;

/** Pipeline order, so the breakdown reads like one sample's journey. */
const PHASE_ORDER = [
  'prompt_build',
  'retrieval',
  'cache_lookup',
  'rate_limit_wait',
  'api_call',
  'tool',
  'parsing',
  'metrics',
];

/** The profile's phases in pipeline order, unknown phases last. */
export function orderedPhases(profile: Profile): Profile['profilingSummary'] {
  const rank = (phase: string) => {
    const index = PHASE_ORDER.indexOf(phase);
    return index === -1 ? PHASE_ORDER.length : index;
  };
  return [...profile.profilingSummary].sort(
    (a, b) => rank(a.phase) - rank(b.phase) || a.phase.localeCompare(b.phase),
  );
}

/** The "⚡ Optimization Profile": what batching, caching and profiling did, live while the run goes. */
export function ProfileSection({ profile, live }: { profile: Profile; live: boolean }) {
  const { cacheStats, batchStats } = profile;
  return (
    <section className="panel" data-testid="profile">
      <h2>
        ⚡ Optimization Profile{' '}
        {live ? (
          <span className="live-dot" data-testid="profile-live">
            live
          </span>
        ) : null}
      </h2>
      <div className="cards profile-cards">
        <MetricCard
          label="Total Wall Time"
          value={formatMs(profile.totalWallTimeMs)}
          testId="profile-wall-time"
          hint={`${formatInteger(profile.apiCalls)} API calls`}
        />
        <MetricCard
          label="Cache Hit Rate"
          value={cacheStats.enabled ? formatPercent(cacheStats.hitRate) : 'off'}
          testId="profile-hit-rate"
          hint={
            cacheStats.enabled
              ? `${formatInteger(cacheStats.hits)} hits · ${formatInteger(cacheStats.misses)} misses · ${formatInteger(cacheStats.size)}/${formatInteger(cacheStats.maxSize)} entries`
              : 'caching disabled'
          }
        />
        <MetricCard
          label="Batches Processed"
          value={formatInteger(batchStats.batchesProcessed)}
          testId="profile-batches"
          hint={
            batchStats.enabled
              ? `batch size ${batchStats.batchSize} · peak ${batchStats.peakConcurrency} in flight · mean ${batchStats.meanConcurrency.toFixed(2)}`
              : (batchStats.disabledReason ?? 'batching disabled')
          }
        />
        <MetricCard
          label="Latency Saved by Cache"
          value={formatMs(cacheStats.totalLatencySavedMs)}
          testId="profile-latency-saved"
          hint={
            cacheStats.inflightDeduplicated > 0
              ? `${formatInteger(cacheStats.inflightDeduplicated)} duplicate calls shared`
              : undefined
          }
        />
      </div>
      {profile.warnings.length > 0 ? (
        <ul className="warnings">
          {profile.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
      <h3>Timing Breakdown</h3>
      {profile.profilingEnabled ? (
        <TimingTable profile={profile} />
      ) : (
        <p className="muted">Profiling is disabled for this experiment.</p>
      )}
    </section>
  );
}

function TimingTable({ profile }: { profile: Profile }) {
  const phases = orderedPhases(profile);
  if (phases.length === 0) return <p className="muted">No sample has finished yet.</p>;
  return (
    <table className="data timing" data-testid="timing-breakdown">
      <thead>
        <tr>
          <th>Phase</th>
          <th className="num">Count</th>
          <th className="num">Mean</th>
          <th className="num">p50</th>
          <th className="num">p95</th>
          <th className="num">p99</th>
          <th className="num">Total</th>
        </tr>
      </thead>
      <tbody>
        {phases.map((p) => (
          <tr key={p.phase} data-testid={`phase-${p.phase}`}>
            <td>
              <code>{p.phase}</code>
            </td>
            <td className="num">{formatInteger(p.count)}</td>
            <td className="num">{formatMs(p.meanMs)}</td>
            <td className="num">{formatMs(p.p50Ms)}</td>
            <td className="num">{formatMs(p.p95Ms)}</td>
            <td className="num">{formatMs(p.p99Ms)}</td>
            <td className="num">{formatMs(p.totalMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
