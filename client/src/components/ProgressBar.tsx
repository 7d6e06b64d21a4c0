import { formatInteger } from '../format.ts';

/** Done / total as a bar, failed samples shown in red at its end. */
export function ProgressBar({
  done,
  total,
  failed,
  compact = false,
}: {
  done: number;
  total: number;
  failed: number;
  compact?: boolean;
}) {
  const width = (n: number) => `${total > 0 ? Math.min(100, (n / total) * 100) : 0}%`;
  return (
    <div className={compact ? 'progress compact' : 'progress'} data-testid="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
      >
        <div className="progress-done" style={{ width: width(done - failed) }} />
        <div className="progress-failed" style={{ width: width(failed) }} />
      </div>
      <span className="progress-label" data-testid="progress-label">
        {formatInteger(done)} / {formatInteger(total)}
        {failed > 0 && !compact ? ` (${formatInteger(failed)} failed)` : ''}
      </span>
    </div>
  );
}
