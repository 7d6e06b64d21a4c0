/**
 * Write-behind scheduling: runs `write` once work has waited `delayMs` (at once when asked to hurry),
 * one write at a time and in order. A failed write is reported to `onError` and does not stop later ones.
 */
export class WriteBehind {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly write: () => Promise<void>,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a write within `delayMs`, or as soon as the writes before it are done when `hurry`. */
  schedule(hurry = false): void {
    if (this.timer && !hurry) return;
    this.cancelTimer();
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.enqueue(this.write);
      },
      hurry ? 0 : this.delayMs,
    );
    // Pending writes never keep the process alive: whoever shuts down calls flush().
    this.timer.unref();
  }

  /** Writes now and resolves when every write asked for so far is done. */
  flush(): Promise<void> {
    this.cancelTimer();
    return this.enqueue(this.write);
  }

  /** Runs other work after every write queued before it (and before any queued after it). */
  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.chain.then(work);
    this.chain = result.catch(this.onError);
    return result;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
