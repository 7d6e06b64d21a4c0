import type { ReactNode } from 'react';

/** One headline number with its label; `testId` lets the browser tests read it. */
export function MetricCard({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-label">{label}</div>
      <div className="card-value" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </div>
      {hint ? <div className="card-hint">{hint}</div> : null}
    </div>
  );
}
