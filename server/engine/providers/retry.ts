import { setTimeout as sleepFor } from 'node:timers/promises';
import type { ConcurrencyWindow, Permit } from './adaptive-limiter.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { ProviderCallError, ProviderGaveUpError } from './provider-error.ts';
import { DEFAULTS } from '../experiment-config.ts';

/** How hard the retry layer tries. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Per attempt, from sending the request to reading the whole answer. */
  timeoutMs: number;
  /** Backoff before retry n (from 1) is drawn from [½, 1] × min(maxDelayMs, baseDelayMs × 2^(n-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this fails the call instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: DEFAULTS.remote.maxAttempts,
  timeoutMs: DEFAULTS.remote.timeoutMs,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryOptions {
  policy: RetryPolicy;
  /** The endpoint's shared concurrency window; a permit is held only while a request is in flight. */
  limiter: ConcurrencyWindow | null;
  /** The endpoint's circuit breaker: an open one fails the call at once. */
  breaker?: CircuitBreaker | null;
  /** Cancels everything: the wait for a permit, the request in flight, the backoff. */
  signal?: AbortSignal;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Wraps every wait between attempts: the caller frees what it holds (its window slot) meanwhile. */
  whileWaiting?: <T>(wait: () => Promise<T>) => Promise<T>;
}

export interface RetriedResult<T> {
  value: T;
  /** Attempts that failed before the one that succeeded. */
  retries: number;
  /** Time spent waiting for a permit and backing off: not API time. */
  waitedMs: number;
}

/** A send function gets a signal that fires on cancellation or on the per-attempt timeout. */
export type Send<T> = (signal: AbortSignal) => Promise<T>;

/**
 * The one retry layer of every remote provider: 429 rate limits are retried after Retry-After (and
 * shrink the endpoint's window), 5xx, network errors and timeouts are retried with exponential
 * backoff and jitter, anything else (quota exhausted, other 4xx, unreadable answers) fails at once.
 * Throws {@link ProviderGaveUpError} when it gives up, or the abort reason when cancelled.
 */
export async function callWithRetry<T>(
  send: Send<T>,
  options: RetryOptions,
): Promise<RetriedResult<T>> {
  const { policy, limiter, signal } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  let retries = 0;
  let waitedMs = 0;
  const breaker = options.breaker ?? null;
  for (let attempt = 1; ; attempt++) {
    const queuedAt = performance.now();
    const permit: Permit | null = limiter ? await limiter.acquire(signal) : null;
    waitedMs += performance.now() - queuedAt;
    try {
      breaker?.admit();
    } catch (error) {
      permit?.release('failed');
      throw new ProviderGaveUpError(
        error as ProviderCallError,
        attempt,
        retries,
        waitedMs,
        'not sent',
      );
    }
    let failure: ProviderCallError;
    const sentAt = performance.now();
    try {
      const value = await sendWithTimeout(send, policy.timeoutMs, signal);
      permit?.release('success');
      breaker?.success();
      return { value, retries, waitedMs };
    } catch (error) {
      if (signal?.aborted) {
        permit?.release('failed');
        breaker?.abandon();
        throw signal.reason;
      }
      failure = asCallFailure(error);
      permit?.release(failure.kind === 'rate_limit' ? 'rate_limited' : 'failed');
      breaker?.failure(failure, performance.now() - sentAt);
    }
    const delay = retryDelay(failure, attempt, policy, random);
    if (typeof delay === 'string')
      throw new ProviderGaveUpError(failure, attempt, retries, waitedMs, delay);
    const sleptAt = performance.now();
    await (options.whileWaiting
      ? options.whileWaiting(() => sleep(delay, signal))
      : sleep(delay, signal));
    waitedMs += performance.now() - sleptAt;
    retries += 1;
  }
}

/** The wait before the next attempt, or why there is none. */
export function retryDelay(
  failure: ProviderCallError,
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
): number | string {
  if (!failure.retryable) return 'not retried';
  if (attempt >= policy.maxAttempts)
    return `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
  if (failure.retryAfterMs === null) return backoffDelayMs(attempt, policy, random);
  if (failure.retryAfterMs > policy.maxRetryAfterMs) {
    return `the server asks to wait ${Math.round(failure.retryAfterMs / 1000)} s, longer than the ${Math.round(policy.maxRetryAfterMs / 1000)} s this run waits`;
  }
  // A little jitter, so calls told to wait the same time do not all come back at once.
  return failure.retryAfterMs + random() * Math.min(failure.retryAfterMs * 0.1, 1_000);
}

/** Exponential backoff with jitter: retry n (from 1) waits [½, 1] × min(maxDelayMs, baseDelayMs × 2^(n-1)). */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

async function sendWithTimeout<T>(
  send: Send<T>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', forward, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    return await send(controller.signal);
  } catch (error) {
    if (timedOut && !outer?.aborted)
      throw new ProviderCallError(`timed out after ${timeoutMs} ms`, 'timeout');
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

/** Transports classify what they can; anything else is a bug or an unreadable answer, not worth retrying. */
function asCallFailure(error: unknown): ProviderCallError {
  if (error instanceof ProviderCallError) return error;
  return new ProviderCallError(
    error instanceof Error ? error.message : String(error),
    'invalid_response',
  );
}

async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleepFor(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
