/**
 * The runner's sliding window: at most `size` samples at work at once. A sample that must wait
 * (a Retry-After, a backoff) hands its slot back for the wait and takes one again before it
 * continues, ahead of samples that have not started, so waiting never starves the window.
 */
export class SlotPool {
  private busy = 0;
  private readonly resuming: (() => void)[] = [];
  private readonly starting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** A slot for a sample that has not started yet. */
  acquire(): Promise<void> {
    return this.take(this.starting);
  }

  release(): void {
    this.busy -= 1;
    const next = this.resuming.shift() ?? this.starting.shift();
    if (next) {
      this.busy += 1;
      next();
    }
  }

  /** Runs `wait` without holding a slot, then takes one back (before any sample not yet started). */
  async whileWaiting<T>(wait: () => Promise<T>): Promise<T> {
    this.release();
    try {
      return await wait();
    } finally {
      await this.take(this.resuming);
    }
  }

  private take(queue: (() => void)[]): Promise<void> {
    if (
      this.busy < this.size &&
      this.resuming.length === 0 &&
      (queue === this.resuming || this.starting.length === 0)
    ) {
      this.busy += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }
}
