import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter } from '../../server/engine/providers/adaptive-limiter.ts';
import {
  httpFailure,
  ProviderCallError,
  ProviderGaveUpError,
  retryAfterMs,
} from '../../server/engine/providers/provider-error.ts';
import {
  backoffDelayMs,
  callWithRetry,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
} from '../../server/engine/providers/retry.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  timeoutMs: 5_000,
};
const rateLimited = (hintMs: number | null) =>
  new ProviderCallError('HTTP 429 Too Many Requests: slow down', 'rate_limit', 429, hintMs);
const unavailable = () =>
  new ProviderCallError('HTTP 503 Service Unavailable: busy', 'server', 503);

/** A send function that plays the given outcomes in order (an Error is thrown, anything else returned). */
function scripted(outcomes: unknown[]) {
  const calls: AbortSignal[] = [];
  const send = async (signal: AbortSignal) => {
    calls.push(signal);
    const outcome = outcomes[Math.min(calls.length, outcomes.length) - 1];
    if (outcome instanceof Error) throw outcome;
    return outcome;
  };
  return { send, calls };
}

function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('reading retry hints', () => {
  it('should prefer retry-after-ms, then read Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(
      250,
    );
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), NOW)).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }), NOW)).toBe(1_500);
    expect(
      retryAfterMs(new Headers({ 'retry-after': new Date(NOW + 7_000).toUTCString() }), NOW),
    ).toBe(7_000);
    expect(
      retryAfterMs(new Headers({ 'retry-after': new Date(NOW - 7_000).toUTCString() }), NOW),
    ).toBe(0);
  });

  it('should give null when there is no hint or it cannot be read', () => {
    expect(retryAfterMs(new Headers(), NOW)).toBeNull();
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeNull();
    expect(retryAfterMs(null, NOW)).toBeNull();
  });
});

describe('classifying HTTP failures', () => {
  it('should retry a 429 rate limit with its hint but fail fast on an exhausted quota', () => {
    const limit = httpFailure(429, new Headers({ 'retry-after': '2' }), {
      error: { message: 'Rate limit reached', type: 'requests' },
    });
    expect([limit.kind, limit.retryable, limit.retryAfterMs, limit.message]).toEqual([
      'rate_limit',
      true,
      2_000,
      'HTTP 429 Too Many Requests: Rate limit reached',
    ]);
    const quota = httpFailure(429, null, {
      error: { message: 'You exceeded your current quota.', type: 'insufficient_quota' },
    });
    expect([quota.kind, quota.retryable, quota.message]).toEqual([
      'quota',
      false,
      'HTTP 429 Too Many Requests: You exceeded your current quota. [quota exhausted]',
    ]);
  });

  it('should retry 5xx and 408 and fail fast on any other 4xx', () => {
    const kinds = [500, 502, 503, 408, 400, 401, 403, 404, 422].map((status) => {
      const failure = httpFailure(status, null, { error: 'boom' });
      return `${status}:${failure.kind}:${failure.retryable}`;
    });
    expect(kinds).toEqual([
      '500:server:true',
      '502:server:true',
      '503:server:true',
      '408:timeout:true',
      '400:client:false',
      '401:client:false',
      '403:client:false',
      '404:client:false',
      '422:client:false',
    ]);
  });

  it('should take the message from the usual error body shapes', () => {
    expect(
      httpFailure(404, null, { error: { message: 'The model `x` does not exist.' } }).message,
    ).toBe('HTTP 404 Not Found: The model `x` does not exist.');
    expect(httpFailure(400, null, { error: 'bad stop' }).message).toBe(
      'HTTP 400 Bad Request: bad stop',
    );
    expect(httpFailure(422, null, { detail: 'max_tokens too large' }).message).toBe(
      'HTTP 422 Unprocessable Entity: max_tokens too large',
    );
    expect(httpFailure(500, null, 'plain\n text').message).toBe(
      'HTTP 500 Internal Server Error: plain text',
    );
  });
});

describe('backoff', () => {
  it('should double the ceiling per retry up to maxDelayMs and draw from its upper half', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, policy, () => 0.5))).toEqual([
      75, 150, 300, 600, 750,
    ]);
  });
});

describe('the retry layer', () => {
  it('should wait what Retry-After asks and report the retries', async () => {
    const { send, calls } = scripted([rateLimited(300), rateLimited(300), 'answer']);
    const { delays, sleep } = recordingSleep();
    const result = await callWithRetry(send, {
      policy: POLICY,
      limiter: null,
      random: () => 0,
      sleep,
    });
    expect(result.value).toBe('answer');
    expect(result.retries).toBe(2);
    expect(calls.length).toBe(3);
    expect(delays).toEqual([300, 300]);
  });

  it('should back off exponentially with jitter when the server gives no hint', async () => {
    const { send, calls } = scripted([unavailable(), unavailable(), unavailable(), 'answer']);
    const { delays, sleep } = recordingSleep();
    const result = await callWithRetry(send, {
      policy: POLICY,
      limiter: null,
      random: () => 0.5,
      sleep,
    });
    expect([result.value, result.retries, calls.length]).toEqual(['answer', 3, 4]);
    expect(delays).toEqual([75, 150, 300]);
  });

  it('should give up after maxAttempts with the last failure and what the call cost', async () => {
    const { send, calls } = scripted([unavailable()]);
    const { delays, sleep } = recordingSleep();
    const error = await callWithRetry(send, {
      policy: POLICY,
      limiter: null,
      random: () => 0,
      sleep,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderGaveUpError);
    expect((error as ProviderGaveUpError).message).toBe(
      'HTTP 503 Service Unavailable: busy (gave up after 4 attempts)',
    );
    expect((error as ProviderGaveUpError).retries).toBe(3);
    expect(calls.length).toBe(4);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('should not retry an exhausted quota, a client error or an unreadable answer', async () => {
    for (const failure of [
      new ProviderCallError('HTTP 429 Too Many Requests: quota [quota exhausted]', 'quota', 429),
      new ProviderCallError('HTTP 404 Not Found: no such model', 'client', 404),
      new SyntaxError('Unexpected token < in JSON'),
    ]) {
      const { send, calls } = scripted([failure, 'never']);
      const error = (await callWithRetry(send, { policy: POLICY, limiter: null }).catch(
        (e: unknown) => e,
      )) as ProviderGaveUpError;
      expect(error.message).toBe(`${failure.message} (not retried)`);
      expect([error.attempts, error.retries, calls.length]).toEqual([1, 0, 1]);
    }
  });

  it('should fail at once when Retry-After asks for more than maxRetryAfterMs', async () => {
    const { send, calls } = scripted([rateLimited(3_600_000), 'never']);
    const error = (await callWithRetry(send, { policy: POLICY, limiter: null }).catch(
      (e: unknown) => e,
    )) as ProviderGaveUpError;
    expect(error.message).toBe(
      'HTTP 429 Too Many Requests: slow down (the server asks to wait 3600 s, longer than the 60 s this run waits)',
    );
    expect(calls.length).toBe(1);
  });

  it('should time out a silent attempt, retry it, then fail cleanly', async () => {
    let sends = 0;
    const hang = (signal: AbortSignal) =>
      new Promise<string>((_resolve, reject) => {
        sends += 1;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    const { sleep } = recordingSleep();
    const policy = { ...POLICY, timeoutMs: 20, maxAttempts: 2 };
    const error = (await callWithRetry(hang, { policy, limiter: null, sleep }).catch(
      (e: unknown) => e,
    )) as ProviderGaveUpError;
    expect(error.message).toBe('timed out after 20 ms (gave up after 2 attempts)');
    expect(error.failure.kind).toBe('timeout');
    expect(sends).toBe(2);
  });

  it('should stop at once on cancellation, during a call or a backoff, without retrying', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    let sends = 0;
    const send = async () => {
      sends += 1;
      controller.abort(reason);
      throw rateLimited(50_000);
    };
    const error = await callWithRetry(send, {
      policy: POLICY,
      limiter: null,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(sends).toBe(1);

    const later = new AbortController();
    let first!: () => void;
    const firstSent = new Promise<void>((resolve) => (first = resolve));
    const pending = callWithRetry(
      async () => {
        first();
        throw rateLimited(50_000);
      },
      { policy: POLICY, limiter: null, signal: later.signal },
    ).catch((e: unknown) => e);
    await firstSent;
    later.abort(reason);
    expect(await pending).toBe(reason);
  });

  it('should hold a window permit only while a request is in flight and report 429s to the window', async () => {
    const limiter = new AdaptiveLimiter();
    const active: number[] = [];
    const { send } = scripted([rateLimited(10), 'answer']);
    const observed = async (signal: AbortSignal) => {
      active.push(limiter.active);
      return send(signal);
    };
    const sleep = async () => void active.push(limiter.active);
    const result = await callWithRetry(observed, {
      policy: POLICY,
      limiter,
      sleep,
      random: () => 0,
    });
    expect(result.value).toBe('answer');
    expect(active).toEqual([1, 0, 1]);
    expect(limiter.active).toBe(0);
    expect(limiter.history.map((change) => [change.limit, change.reason])).toEqual([
      [1, 'rate_limited'],
    ]);
  });
});
