import { formatMs } from '../format.ts';
import type { ResultOf } from '../graphql.ts';
import type { ExperimentEventBatchesSubscription } from '../operations/experiment.ts';

type ExperimentEvent = ResultOf<
  typeof ExperimentEventBatchesSubscription
>['experimentEventBatches']['events'][number];
export type SampleEvent = Extract<ExperimentEvent, { __typename: 'SampleCompleted' }>;

/** The latest finished samples, newest first, as they stream in. */
export function LiveFeed({ samples }: { samples: readonly SampleEvent[] }) {
  return (
    <section className="panel feed" data-testid="live-feed">
      <h2>Latest samples</h2>
      {samples.length === 0 ? (
        <p className="muted">Samples appear here as they finish.</p>
      ) : (
        <ol>
          {samples.map((s) => (
            <li
              key={`${s.attempt}-${s.sampleIndex}`}
              className={s.error ? 'failed' : s.correct ? 'correct' : 'wrong'}
            >
              <span
                className="mark"
                role="img"
                aria-label={s.error ? 'failed' : s.correct ? 'correct' : 'wrong'}
              >
                {s.error ? '!' : s.correct ? '✓' : '✗'}
              </span>
              <span className="feed-index">#{s.sampleIndex}</span>
              <span className="feed-answer" title={s.error ?? `expected ${s.expectedAnswer}`}>
                {s.error ?? s.parsedAnswer ?? '—'}
                {!s.error && !s.correct ? (
                  <span className="muted"> · expected {s.expectedAnswer}</span>
                ) : null}
              </span>
              {s.cacheHit ? (
                <span className="badge cache">cache{s.cacheTier ? ` · ${s.cacheTier}` : ''}</span>
              ) : null}
              <span className="feed-latency">{formatMs(s.latencyMs)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
