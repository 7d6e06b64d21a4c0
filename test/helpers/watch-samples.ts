import type { TestApp } from './test-app.ts';

/**
 * Counts the SampleCompleted events of every experiment from the moment it is created, so a test that
 * launches and then waits for the first samples cannot miss one that arrived before it started waiting.
 */
export function watchSamples(t: TestApp) {
  const counts = new Map<string, number>();
  const waiters = new Set<{ id: string; n: number; resolve: () => void }>();
  const stop = t.app.bus.subscribe('*', (event) => {
    if (event.type !== 'SampleCompleted') return;
    const seen = (counts.get(event.experimentId) ?? 0) + 1;
    counts.set(event.experimentId, seen);
    for (const waiter of waiters) {
      if (waiter.id === event.experimentId && seen >= waiter.n) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  });
  return {
    /** Resolves once `n` samples of the experiment have completed. */
    until(id: string, n: number): Promise<void> {
      if ((counts.get(id) ?? 0) >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.add({ id, n, resolve }));
    },
    stop,
  };
}
