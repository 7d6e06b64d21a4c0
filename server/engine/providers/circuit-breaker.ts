import type { BreakerReport } from '../types.ts';
import { ProviderCallError } from './provider-error.ts';

export type { BreakerReport };

export type BreakerState = BreakerReport['state'];

export interface BreakerOptions {
  /** Consecutive connection failures (refused, reset, timed out) that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker fails calls at once before it lets one probe through. */
  cooldownMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { failureThreshold: 5, cooldownMs: 5_000 };

/** Failures that say the endpoint cannot be reached at all, as opposed to answers that say no. */
export function isConnectionFailure(error: ProviderCallError): boolean {
  return error.kind === 'network' || error.kind === 'timeout';
}

/**
 * One endpoint's circuit breaker, shared by every run that calls it. After `failureThreshold`
 * consecutive connection failures it opens: calls fail at once (no request, no backoff) for
 * `cooldownMs`; then one probe goes through (half-open) and its outcome closes or reopens it.
 * Without it a dead endpoint cost every sample its full series of retries.
 */
export class CircuitBreaker {
  private state: BreakerState = 'CLOSED';
  private consecutive = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly report: BreakerReport = {
    state: 'CLOSED',
    opened: 0,
    fastFailures: 0,
    timeLostMs: 0,
    lastFailure: null,
  };

  constructor(
    readonly endpoint: string,
    private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get currentState(): BreakerState {
    return this.state;
  }

  /** Throws a non-retryable 'circuit_open' failure when no call may go out now; otherwise admits one. */
  admit(): void {
    if (this.state === 'CLOSED') return;
    if (this.state === 'OPEN' && this.now() - this.openedAt >= this.options.cooldownMs)
      this.state = 'HALF_OPEN';
    if (this.state === 'HALF_OPEN' && !this.probeInFlight) {
      this.probeInFlight = true;
      return;
    }
    this.report.fastFailures += 1;
    throw new ProviderCallError(
      `circuit breaker open for ${this.endpoint}: ${this.options.failureThreshold} consecutive connection failures (last: ${this.report.lastFailure ?? 'unknown'}); not calling it for ${Math.round(this.options.cooldownMs / 1000)} s`,
      'circuit_open',
    );
  }

  /** An admitted call was cancelled before it told anything about the endpoint. */
  abandon(): void {
    this.probeInFlight = false;
  }

  success(): void {
    this.consecutive = 0;
    this.probeInFlight = false;
    this.state = 'CLOSED';
  }

  failure(error: ProviderCallError, elapsedMs: number): void {
    const probe = this.probeInFlight;
    this.probeInFlight = false;
    if (!isConnectionFailure(error)) {
      // The endpoint answered: it is reachable.
      if (probe || this.state !== 'OPEN') this.success();
      return;
    }
    this.report.lastFailure = error.message;
    this.report.timeLostMs += elapsedMs;
    this.consecutive += 1;
    if (probe || (this.state === 'CLOSED' && this.consecutive >= this.options.failureThreshold)) {
      this.state = 'OPEN';
      this.openedAt = this.now();
      this.report.opened += 1;
    }
  }

  snapshot(): BreakerReport {
    return { ...this.report, state: this.state, timeLostMs: Math.round(this.report.timeLostMs) };
  }
}

/** One breaker per endpoint. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS) {}

  for(endpoint: string): CircuitBreaker {
    let breaker = this.breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(endpoint, this.options);
      this.breakers.set(endpoint, breaker);
    }
    return breaker;
  }
}
