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

/**
 * The concurrency window of one endpoint as the retry layer sees it: a permit per call in flight,
 * and the history of the window for the profile. {@link AdaptiveLimiter} keeps it in this process;
 * a cluster keeps one window per endpoint for all its workers (server/cluster/shared-window.ts).
 */
export interface ConcurrencyWindow {
  readonly currentLimit: number | null;
  readonly history: readonly LimitChange[];
  /** Waits until a call may start; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<Permit>;
}

/** The windows of every endpoint, one per endpoint. */
export interface ConcurrencyWindows {
  for(endpoint: string): ConcurrencyWindow;
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
/** Answers (success or 429) remembered to tell a saturated server from one that rejects a few calls at random. */
const RECENT_ANSWERS = 20;
/** Below this share of 429s among the recent answers, a 429 is scattered noise, not saturation. */
const SATURATION_SHARE = 0.3;

/**
 * The concurrency window of one provider endpoint, shared by every experiment that calls it.
 * Unconstrained until the first 429. A 429 of a call sent under the current window is judged against
 * the last level that completed a clean round (see `onRateLimited`); 429s of calls sent before the
 * last change belong to the episode already handled and only narrow the window to the calls still in
 * flight. The window grows by one after a clean round (`limit` successes in a row), but only after
 * `probeRounds` clean rounds when the next level is the one that last failed a probe. It never grows
 * beyond the demand it has seen, so one experiment's window never exceeds its batch size.
 */
export class AdaptiveLimiter implements ConcurrencyWindow {
  readonly history: LimitChange[] = [];
  private limit = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];
  private epoch = 0;
  private cleanSuccesses = 0;
  /** 429s since the last clean round or change. */
  private strikes = 0;
  /** Clean rounds in a row, across changes, since the last 429. */
  private cleanStreak = 0;
  /** 429s came at a level that had proved clean: the server rejects some calls whatever the load. */
  private noisy = false;
  private cleanRounds = 0;
  private failedAt = Number.POSITIVE_INFINITY;
  private knownGood = 0;
  private demandPeak = 0;
  /** The most calls in flight at once since the last change: the level a 429 is blamed on. */
  private epochPeak = 0;
  private lastActivity: number;
  /** The last answers, true for a 429 (a ring of RECENT_ANSWERS). */
  private readonly recent: boolean[] = [];
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
    if (this.waiting.length === 0 && this.inFlight < this.limit)
      return Promise.resolve(this.grant());
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
    if (result !== 'failed') {
      this.recent.push(result === 'rate_limited');
      if (this.recent.length > RECENT_ANSWERS) this.recent.shift();
    }
    if (epoch === this.epoch) {
      if (result === 'rate_limited' && this.atCleanLevel() && this.scattered()) this.strikes = 0;
      else if (result === 'rate_limited') this.onRateLimited();
      else if (result === 'success') this.countSuccess();
    } else if (result === 'rate_limited') {
      this.drainEpisode();
    }
    this.dispatch();
  }

  /**
   * With no clean level yet (the first burst), the window halves. A 429 above the last clean level is
   * a failed probe: back to that level, and probe again only after `probeRounds` clean rounds. A 429
   * at a level that has proved clean means the server rejects some calls whatever the load: from then
   * on the window is "noisy", one 429 is forgiven and a second before the next clean round steps down
   * by one, without delaying the next probe. `probeRounds` clean rounds in a row end the noise.
   */
  private onRateLimited(): void {
    this.cleanSuccesses = 0;
    this.cleanStreak = 0;
    this.strikes += 1;
    const level = Math.min(this.limit, this.epochPeak);
    if (this.knownGood === 0) {
      this.failedAt = level;
      this.change(Math.max(1, Math.floor(level / 2)), 'rate_limited');
      return;
    }
    const probe = this.knownGood < level;
    if (probe && !this.noisy) {
      this.failedAt = level;
      this.change(this.knownGood, 'rate_limited');
      return;
    }
    this.noisy = true;
    if (this.strikes < 2) return;
    this.knownGood = Math.max(1, this.limit - 1);
    this.change(this.knownGood, 'rate_limited');
  }

  /**
   * A 429 among mostly successful answers: the server turns some calls away whatever the load (a
   * saturation episode is a run of 429s). Shrinking the window for it only starves the run. Judged
   * only at a level that has proved clean: above it, a 429 is a failed probe (see onRateLimited).
   */
  private atCleanLevel(): boolean {
    return this.knownGood > 0 && Math.min(this.limit, this.epochPeak) <= this.knownGood;
  }

  private scattered(): boolean {
    if (this.recent.length < RECENT_ANSWERS / 2) return false;
    const rejected = this.recent.filter(Boolean).length;
    return rejected / this.recent.length < SATURATION_SHARE;
  }

  /**
   * More 429s of the first episode: the server holds at most the calls still in flight, so the window
   * need not be wider (a burst of 32 against a server that takes 4 settles at 4 at once).
   */
  private drainEpisode(): void {
    const episode = this.history.at(-1);
    const holding = Math.max(1, this.inFlight);
    // Only while finding a first level, right after a shrink: later, a late 429 says nothing new.
    if (this.knownGood > 0 || episode?.reason !== 'rate_limited' || episode.epoch !== this.epoch)
      return;
    if (holding >= this.limit) return;
    this.limit = holding;
    episode.limit = holding;
    episode.time = this.now();
  }

  private countSuccess(): void {
    if (!Number.isFinite(this.limit)) return;
    this.cleanSuccesses += 1;
    if (this.cleanSuccesses < this.limit) return;
    this.cleanSuccesses = 0;
    this.strikes = 0;
    this.cleanRounds += 1;
    this.cleanStreak += 1;
    if (this.cleanStreak >= this.probeRounds) this.noisy = false;
    this.knownGood = Math.max(this.knownGood, this.limit);
    if (this.limit >= this.failedAt) this.failedAt = Number.POSITIVE_INFINITY;
    const roundsNeeded = this.limit + 1 >= this.failedAt ? this.probeRounds : 1;
    if (this.cleanRounds >= roundsNeeded && this.limit < this.demandPeak)
      this.change(this.limit + 1, 'clean_rounds');
  }

  private change(limit: number, reason: LimitChange['reason']): void {
    this.epoch += 1;
    this.cleanSuccesses = 0;
    this.strikes = 0;
    this.cleanRounds = 0;
    this.demandPeak = this.inFlight + this.waiting.length;
    this.epochPeak = this.inFlight;
    if (limit === this.limit) return;
    this.limit = limit;
    this.record(reason);
  }

  private record(reason: LimitChange['reason']): void {
    this.history.push({ time: this.now(), limit: this.currentLimit, reason, epoch: this.epoch });
    if (this.history.length > MAX_HISTORY)
      this.history.splice(0, this.history.length - MAX_HISTORY);
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && this.inFlight < this.limit)
      (this.waiting.shift() as Waiter).resolve(this.grant());
  }

  private resetIfIdle(): void {
    if (this.inFlight > 0 || !Number.isFinite(this.limit)) return;
    if (this.now() - this.lastActivity < this.idleResetMs) return;
    this.failedAt = Number.POSITIVE_INFINITY;
    this.knownGood = 0;
    this.noisy = false;
    this.change(Number.POSITIVE_INFINITY, 'idle_reset');
  }
}

/** One window per endpoint, shared by all the experiments of this process that call it. */
export class LimiterRegistry implements ConcurrencyWindows {
  private readonly limiters = new Map<string, AdaptiveLimiter>();

  constructor(private readonly options: AdaptiveLimiterOptions = {}) {}

  for(endpoint: string): AdaptiveLimiter {
    const existing = this.limiters.get(endpoint);
    if (existing) return existing;
    const limiter = new AdaptiveLimiter(this.options);
    this.limiters.set(endpoint, limiter);
    return limiter;
  }
}
