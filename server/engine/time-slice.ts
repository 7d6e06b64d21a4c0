/**
 * Cooperative time slicing for the engine. Answers that need no waiting (cache hits, a provider
 * without latency) chain sample after sample in microtasks, which never let the event loop run:
 * no timer (batched writes), no query and no subscriber would get a turn until the run ended, and
 * every result would pile up in memory meanwhile. The runner takes a turn before each new sample;
 * a stretch of work older than SLICE_MS then waits for the event loop's next turn.
 *
 * One TimeSlice is shared by every runner of an app (built in buildApp), so the slice bounds the
 * work of all running attempts together, not of each one.
 */
const SLICE_MS = 8;

export class TimeSlice {
  private sliceStart = 0;
  /** True from the first piece of work in a turn until the event loop has had its next turn. */
  private sliceOpen = false;

  /** Resolves at once while the current slice has time left, else after the event loop had a turn. */
  async takeTurn(): Promise<void> {
    for (;;) {
      const now = performance.now();
      if (!this.sliceOpen) {
        this.sliceOpen = true;
        this.sliceStart = now;
        setImmediate(() => {
          this.sliceOpen = false;
        });
        return;
      }
      if (now - this.sliceStart <= SLICE_MS) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
