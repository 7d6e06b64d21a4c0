/**
 * Cooperative time slicing for the engine. Answers that need no waiting (cache hits, a provider
 * without latency) chain sample after sample in microtasks, which never let the event loop run:
 * no timer (batched writes), no query and no subscriber would get a turn until the run ended, and
 * every result would pile up in memory meanwhile. The runner takes a turn before each new sample;
 * a stretch of work older than SLICE_MS then waits for the event loop's next turn.
 */
const SLICE_MS = 8;

let sliceStart = 0;
/** True from the first piece of work in a turn until the event loop has had its next turn. */
let sliceOpen = false;

/** Resolves at once while the current slice has time left, else after the event loop had a turn. */
export async function takeTurn(): Promise<void> {
  for (;;) {
    const now = performance.now();
    if (!sliceOpen) {
      sliceOpen = true;
      sliceStart = now;
      setImmediate(() => (sliceOpen = false));
      return;
    }
    if (now - sliceStart <= SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
