import { Repeater } from 'graphql-yoga';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import { isTerminalEvent, type EventBus } from './event-bus.ts';

export interface ProfileStreamOptions {
  experimentId: string;
  /** Whether the experiment had ended when the subscription started. */
  ended: boolean;
  /** Shortest gap between two pushed profiles. */
  intervalMs: number;
  /** The profile as it is now (live while running, stored once ended). */
  current(): Promise<OptimizationProfile>;
}

/**
 * The live optimization profile of one experiment: the current profile at once, then at most one
 * profile per `intervalMs` while events show it changing, then the final profile, then the end.
 * Only "something changed" and "it ended" are remembered between pushes, so a slow subscriber
 * costs nothing while it lags.
 */
export function profileStream(
  bus: EventBus,
  options: ProfileStreamOptions,
): Repeater<OptimizationProfile> {
  // A Repeater so that a client going away releases the listener even while the stream waits.
  return new Repeater<OptimizationProfile>(async (push, stop) => {
    let changed = false;
    let ended = options.ended;
    let stopped = false;
    let wake: (() => void) | null = null;
    const unsubscribe = bus.subscribe(options.experimentId, (event) => {
      if (isTerminalEvent(event)) ended = true;
      else changed = true;
      wake?.();
    });
    void stop.then(() => {
      stopped = true;
      wake?.();
    });
    const until = (ready: () => boolean, timeoutMs = Infinity) =>
      new Promise<void>((resolve) => {
        if (ready() || stopped) return resolve();
        const timer = Number.isFinite(timeoutMs)
          ? setTimeout(done, Math.max(0, timeoutMs))
          : undefined;
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = () => {
          if (ready() || stopped) done();
        };
      });
    try {
      await push(await options.current());
      let lastPush = performance.now();
      while (!ended && !stopped) {
        await until(() => changed || ended);
        // Throttle: wait out the rest of the interval, unless the run ends meanwhile.
        await until(() => ended, options.intervalMs - (performance.now() - lastPush));
        if (stopped) return;
        changed = false;
        lastPush = performance.now();
        await push(await options.current());
      }
    } finally {
      unsubscribe();
      stop();
    }
  });
}
