import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import type { SampleEvent } from './components/LiveFeed.tsx';
import type { Profile } from './components/ProfileSection.tsx';
import type { ResultOf } from './graphql.ts';
import {
  ExperimentEventBatchesSubscription,
  ExperimentProfileSubscription,
} from './operations/experiment.ts';

type ExperimentEvent = ResultOf<
  typeof ExperimentEventBatchesSubscription
>['experimentEventBatches']['events'][number];
type ProgressEvent = Extract<ExperimentEvent, { __typename: 'ExperimentProgress' }>;

export interface LiveRun {
  /** The latest finished samples, newest first. */
  feed: SampleEvent[];
  progress: ProgressEvent | null;
  /** Latency of every sample streamed so far, by sample index (up to {@link MAX_LIVE_LATENCIES}). */
  latencies: ReadonlyMap<number, number>;
  profile: Profile | null;
}

const FEED_LENGTH = 12;
const MAX_LIVE_LATENCIES = 10_000;
/** Events can arrive thousands of times a second; the page redraws at most this often. */
const RENDER_INTERVAL_MS = 150;
/** How often the page re-reads what the streams do not carry (metrics, the sample table) while a run streams. */
const REFRESH_INTERVAL_MS = 1000;
const EMPTY: LiveRun = { feed: [], progress: null, latencies: new Map(), profile: null };

function accumulate(run: LiveRun, event: ExperimentEvent): LiveRun {
  switch (event.__typename) {
    case 'SampleCompleted': {
      const latencies = new Map(run.latencies);
      if (!event.error && latencies.size < MAX_LIVE_LATENCIES)
        latencies.set(event.sampleIndex, event.latencyMs);
      return { ...run, feed: [event, ...run.feed].slice(0, FEED_LENGTH), latencies };
    }
    case 'ExperimentProgress':
      return { ...run, progress: event };
    default:
      return run;
  }
}

/**
 * Streams one attempt while it is queued or running: its events (progress, finished samples,
 * status) and its live optimization profile. `refresh` re-reads the experiment: at once on a
 * status change, else at most every {@link REFRESH_INTERVAL_MS} while events arrive.
 */
export function useLiveRun(experimentId: string, active: boolean, refresh: () => void): LiveRun {
  const client = useClient();
  const [run, setRun] = useState<LiveRun>(EMPTY);
  // A new `refresh` must not restart the streams: they carry live events only, so a restart would lose some.
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => {
    const refresh = () => refreshRef.current();
    if (!active) return;
    let current = EMPTY;
    let renderTimer: ReturnType<typeof setTimeout> | null = null;
    let lastRefresh = 0;
    const render = () => {
      renderTimer = null;
      setRun(current);
      if (Date.now() - lastRefresh >= REFRESH_INTERVAL_MS) {
        lastRefresh = Date.now();
        refresh();
      }
    };
    const update = (next: LiveRun) => {
      current = next;
      renderTimer ??= setTimeout(render, RENDER_INTERVAL_MS);
    };
    const events = client
      .subscription(ExperimentEventBatchesSubscription, { id: experimentId })
      .subscribe(({ data }) => {
        if (!data) return;
        let next = current;
        for (const event of data.experimentEventBatches.events) {
          if (event.__typename === 'ExperimentStatusChanged') refresh();
          next = accumulate(next, event);
        }
        update(next);
      });
    // The first push of the profile also tells a page loaded just before the end that the run is over.
    const profiles = client
      .subscription(ExperimentProfileSubscription, { id: experimentId })
      .subscribe(({ data }) => {
        if (data) update({ ...current, profile: data.experimentProfile });
      });
    return () => {
      events.unsubscribe();
      profiles.unsubscribe();
      if (renderTimer) clearTimeout(renderTimer);
    };
  }, [client, experimentId, active]);
  return run;
}
