import { formatInteger, formatMs } from '../format.ts';
import { histogramBins } from '../histogram.ts';
import { orderedPhases, type Profile } from './ProfileSection.tsx';

const WIDTH = 480;
const HEIGHT = 200;
const MARGIN = { top: 12, right: 12, bottom: 34, left: 44 };

/** Per-sample latency distribution. */
export function LatencyHistogram({
  latencies,
  note,
}: {
  latencies: readonly number[];
  note?: string;
}) {
  const bins = histogramBins(latencies);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const barWidth = bins.length > 0 ? plotWidth / bins.length : 0;
  return (
    <figure className="chart" data-testid="latency-histogram">
      <figcaption>
        Latency per sample{' '}
        <span className="muted">{note ?? `${formatInteger(latencies.length)} samples`}</span>
      </figcaption>
      {bins.length === 0 ? (
        <p className="muted chart-empty">No finished sample yet.</p>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="latency histogram">
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            <line x1={0} x2={plotWidth} y1={plotHeight} y2={plotHeight} className="axis" />
            <line x1={0} x2={0} y1={0} y2={plotHeight} className="axis" />
            <text x={-6} y={8} className="tick" textAnchor="end">
              {formatInteger(maxCount)}
            </text>
            <text x={-6} y={plotHeight} className="tick" textAnchor="end">
              0
            </text>
            {bins.map((bin, i) => {
              const h = (bin.count / maxCount) * plotHeight;
              return (
                <rect
                  key={bin.from}
                  x={i * barWidth + 1}
                  y={plotHeight - h}
                  width={Math.max(1, barWidth - 2)}
                  height={h}
                  className="bar"
                >
                  <title>{`${formatMs(bin.from)} – ${formatMs(bin.to)}: ${bin.count}`}</title>
                </rect>
              );
            })}
            <text x={0} y={plotHeight + 16} className="tick" textAnchor="start">
              {formatMs(bins[0]!.from)}
            </text>
            <text x={plotWidth} y={plotHeight + 16} className="tick" textAnchor="end">
              {formatMs(bins.at(-1)!.to)}
            </text>
            <text x={plotWidth / 2} y={plotHeight + 30} className="axis-label" textAnchor="middle">
              latency
            </text>
          </g>
        </svg>
      )}
    </figure>
  );
}

/** Total time spent in each phase, summed over samples. */
export function PhaseTimeChart({ profile }: { profile: Profile }) {
  const phases = orderedPhases(profile);
  const rowHeight = 24;
  const labelWidth = 120;
  const valueWidth = 80;
  const height = Math.max(1, phases.length) * rowHeight + 8;
  const barSpace = WIDTH - labelWidth - valueWidth;
  const maxTotal = Math.max(1e-9, ...phases.map((p) => p.totalMs));
  return (
    <figure className="chart" data-testid="phase-chart">
      <figcaption>
        Time per phase <span className="muted">summed over samples</span>
      </figcaption>
      {phases.length === 0 ? (
        <p className="muted chart-empty">
          {profile.profilingEnabled ? 'No finished sample yet.' : 'Profiling is disabled.'}
        </p>
      ) : (
        <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label="time per phase">
          {phases.map((p, i) => (
            <g key={p.phase} transform={`translate(0,${i * rowHeight + 4})`}>
              <text x={labelWidth - 8} y={rowHeight / 2 + 4} className="tick" textAnchor="end">
                {p.phase}
              </text>
              <rect
                x={labelWidth}
                y={3}
                width={Math.max(1, (p.totalMs / maxTotal) * barSpace)}
                height={rowHeight - 8}
                className={`bar phase-${p.phase}`}
              />
              <text
                x={labelWidth + (p.totalMs / maxTotal) * barSpace + 6}
                y={rowHeight / 2 + 4}
                className="tick"
              >
                {formatMs(p.totalMs)}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}
