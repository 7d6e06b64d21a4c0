import type { ResultOf } from '../graphql.ts';
import type { ExperimentQuery } from '../operations/experiment.ts';

export type ExperimentStatus = NonNullable<
  ResultOf<typeof ExperimentQuery>['experiment']
>['status'];

export const ACTIVE_STATUSES: ReadonlySet<ExperimentStatus> = new Set(['QUEUED', 'RUNNING']);
export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
]);

/** The status as a coloured pill. */
export function StatusBadge({ status }: { status: ExperimentStatus }) {
  return (
    <span className={`badge status-${status.toLowerCase()}`} data-testid="status">
      {status}
    </span>
  );
}
