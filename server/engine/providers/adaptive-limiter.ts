/** How a call that held a permit ended, as far as the concurrency window cares. */
export type CallResult = 'success' | 'rate_limited' | 'failed';

/** The right to have one call in flight; release it exactly once when the call ends. */
export interface Permit {
  release(result: CallResult): void;
}

/** One change of an endpoint's window. `limit` is null when the window is unconstrained. */
export interface LimitChange {
  /** performance.now() of the change. */
  time: number;
  limit: number | null;
  reason: 'rate_limited' | 'clean_rounds' | 'idle_reset';
  /** The episode it belongs to: later 429s of the same episode narrow this entry instead of adding one. */
  epoch: number;
}

export interface AdaptiveLimiterOptions {
  /** Clean rounds needed before probing the level that last drew a 429. */
  probeRounds?: number;
  /** After this long with nothing in flight, the endpoint's history is forgotten. */
  idleResetMs?: number;
  now?: () => number;
}

interface Waiter {
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
}

const MAX_HISTORY = 1000;

/**
 * The concurrency window of one provider endpoint, shared by every experiment that calls it.
 * Unconstrained until the first 429. A 429 of a call sent under the current window starts an
 * episode: the window falls back to the last level that completed a clean round, or halves. Later
 * 429s of calls sent before that change belong to the same episode: they only narrow the window to
 * the calls still in flight (what the server is holding), recorded as one change. The window grows
 * by one after a clean round (`limit` successes in a row at the current level), but only after
 * `probeRounds` clean rounds when the next level is the one that last drew a 429. It never grows
 * beyond the demand it has seen, so one experiment's window never exceeds its batch size.
 */
export class AdaptiveLimiter {
  readonly history: LimitChange[] = [];
  private limit = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private epoch = 0;
  private cleanSuccesses = 0;
  private cleanRounds = 0;
  private failedAt = Number.POSITIVE_INFINITY;
  private knownGood = 0;
  private demandPeak = 0;
  /** The most calls in flight at once since the last change: the level a 429 is blamed on. */
  private epochPeak = 0;
  private lastActivity: number;
  private readonly probeRounds: number;
  private readonly idleResetMs: number;
  private readonly now: () => number;

  constructor(options: AdaptiveLimiterOptions = {}) {
    this.probeRounds = options.probeRounds ?? 8;
    this.idleResetMs = options.idleResetMs ?? 60_000;
    this.now = options.now ?? (() => performance.now());
    this.lastActivity = this.now();
  }

  /** The current window, or null while unconstrained. */
  get currentLimit(): number | null {
    return Number.isFinite(this.limit) ? this.limit : null;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Waits (first come, first served) until a call may start; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.resetIfIdle();
    this.demandPeak = Math.max(this.demandPeak, this.inFlight + this.waiting.length + 1);
    if (this.waiting.length === 0 && this.inFlight < this.limit) return Promise.resolve(this.grant());
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (permit) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(permit);
        },
        reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private grant(): Permit {
    this.inFlight += 1;
    this.epochPeak = Math.max(this.epochPeak, this.inFlight);
    const epoch = this.epoch;
    let released = false;
    return {
      release: (result) => {
        if (released) return;
        released = true;
        this.settle(epoch, result);
      },
    };
  }

  private settle(epoch: number, result: CallResult): void {
    this.inFlight -= 1;
    this.lastActivity = this.now();
    if (epoch === this.epoch) {
      if (result === 'rate_limited') this.shrink();
      else if (result === 'success') this.countSuccess();
    } else if (result === 'rate_limited') {
      this.drainEpisode();
    }
    this.dispatch();
  }

  private shrink(): void {
    const current = Math.min(this.limit, this.epochPeak);
    let next: number;
    if (this.knownGood > 0 && this.knownGood < current) {
      next = this.knownGood;
    } else {
      next = Math.max(1, Math.floor(current / 2));
      this.knownGood = 0;
    }
    this.failedAt = current;
    this.change(next, 'rate_limited');
  }

  /**
   * More 429s of the episode already handled: the server holds at most the calls still in flight, so
   * the window need not be wider (a burst of 32 against a server that takes 4 settles at 4 at once).
   */
  private drainEpisode(): void {
    const holding = Math.max(1, this.inFlight);
    if (holding >= this.limit) return;
    this.limit = holding;
    const last = this.history.at(-1);
    if (last?.reason === 'rate_limited' && last.epoch === this.epoch) {
      last.limit = holding;
      last.time = this.now();
    } else {
      this.record('rate_limited');
    }
  }

  private countSuccess(): void {
    if (!Number.isFinite(this.limit)) return;
    this.cleanSuccesses += 1;
    if (this.cleanSuccesses < this.limit) return;
    this.cleanSuccesses = 0;
    this.cleanRounds += 1;
    this.knownGood = Math.max(this.knownGood, this.limit);
    if (this.limit >= this.failedAt) this.failedAt = Number.POSITIVE_INFINITY;
    const roundsNeeded = this.limit + 1 >= this.failedAt ? this.probeRounds : 1;
    if (this.cleanRounds >= roundsNeeded && this.limit < this.demandPeak) this.change(this.limit + 1, 'clean_rounds');
  }

  private change(limit: number, reason: LimitChange['reason']): void {
    this.epoch += 1;
    this.cleanSuccesses = 0;
    this.cleanRounds = 0;
    this.demandPeak = this.inFlight + this.waiting.length;
    this.epochPeak = this.inFlight;
    if (limit === this.limit) return;
    this.limit = limit;
    this.record(reason);
  }

  private record(reason: LimitChange['reason']): void {
    this.history.push({ time: this.now(), limit: this.currentLimit, reason, epoch: this.epoch });
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && this.inFlight < this.limit) (this.waiting.shift() as Waiter).resolve(this.grant());
  }

  private resetIfIdle(): void {
    if (this.inFlight > 0 || !Number.isFinite(this.limit)) return;
    if (this.now() - this.lastActivity < this.idleResetMs) return;
    this.failedAt = Number.POSITIVE_INFINITY;
    this.knownGood = 0;
    this.change(Number.POSITIVE_INFINITY, 'idle_reset');
  }
}

/** One window per endpoint, shared by all the experiments of this process that call it. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, AdaptiveLimiter>();

  constructor(private readonly options: AdaptiveLimiterOptions = {}) {}

  for(endpoint: string): AdaptiveLimiter {
    let limiter = this.limiters.get(endpoint);
    if (!limiter) this.limiters.set(endpoint, (limiter = new AdaptiveLimiter(this.options)));
    return limiter;
  }
}
