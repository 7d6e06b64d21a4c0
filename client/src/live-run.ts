import { useEffect } from 'react';
import { useSubscription } from 'urql';
import type { SampleEvent } from './components/LiveFeed.tsx';
import type { Profile } from './components/ProfileSection.tsx';
import type { ResultOf } from './graphql.ts';
import { useThrottled } from './hooks.ts';
import { ExperimentEventsSubscription, ExperimentProfileSubscription } from './operations/experiment.ts';

type ExperimentEvent = ResultOf<typeof ExperimentEventsSubscription>['experimentEvents'];
type ProgressEvent = Extract<ExperimentEvent, { __typename: 'ExperimentProgress' }>;

export interface LiveRun {
  /** The latest finished samples, newest first. */
  feed: SampleEvent[];
  progress: ProgressEvent | null;
  /** How many status changes arrived: a change means the stored experiment changed too. */
  statusChanges: number;
}

const FEED_LENGTH = 12;
const EMPTY: LiveRun = { feed: [], progress: null, statusChanges: 0 };
/** How often the page re-reads metrics and samples while a run streams. */
const REFRESH_INTERVAL_MS = 1000;

function accumulate(run: LiveRun = EMPTY, result: ResultOf<typeof ExperimentEventsSubscription>): LiveRun {
  const event = result.experimentEvents;
  switch (event.__typename) {
    case 'SampleCompleted':
      return { ...run, feed: [event, ...run.feed].slice(0, FEED_LENGTH) };
    case 'ExperimentProgress':
      return { ...run, progress: event };
    case 'ExperimentStatusChanged':
      return { ...run, statusChanges: run.statusChanges + 1 };
    default:
      return run;
  }
}

/**
 * Streams one attempt while it is queued or running: its events (progress, finished samples,
 * status) and its live optimization profile. `refresh` re-reads what the streams do not carry
 * (metrics, the sample table): at once on a status change, else at most once a second.
 */
export function useLiveRun(experimentId: string, active: boolean, refresh: () => void): LiveRun & { profile: Profile | null } {
  const [{ data: run = EMPTY }] = useSubscription({ query: ExperimentEventsSubscription, variables: { id: experimentId }, pause: !active }, accumulate);
  const [{ data: profileData }] = useSubscription({ query: ExperimentProfileSubscription, variables: { id: experimentId }, pause: !active });
  const throttledRefresh = useThrottled(refresh, REFRESH_INTERVAL_MS);
  useEffect(() => {
    if (run.statusChanges > 0) refresh();
  }, [run.statusChanges, refresh]);
  useEffect(() => {
    // The first push of the profile stream also tells a page that loaded just before the end that the run is over.
    if (profileData || run.progress) throttledRefresh();
  }, [profileData, run.progress, throttledRefresh]);
  return { ...run, profile: active ? (profileData?.experimentProfile ?? null) : null };
}
