import { STATUS_CODES } from 'node:http';
import { scrubKeyShapes } from '../../secrets.ts';

/** Why one HTTP call to a provider failed, which decides whether the retry layer tries again. */
export type FailureKind =
  | 'rate_limit'
  | 'quota'
  | 'server'
  | 'network'
  | 'timeout'
  | 'client'
  | 'invalid_response'
  /** Not sent: the endpoint's circuit breaker is open after repeated connection failures. */
  | 'circuit_open';

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['rate_limit', 'server', 'network', 'timeout']);
const MAX_DETAIL_LENGTH = 500;
/** A 429 that waiting will not fix (OpenAI `insufficient_quota`, spent credits), as opposed to a rate limit. */
const QUOTA_MARKERS =
  /insufficient[_ ]quota|current quota|billing|credit balance|out of credits|payment required/i;

/**
 * One failed call to a provider, classified. Its message is already scrubbed of key-shaped strings;
 * the app's scrubber removes the keys it knows wherever the message is stored or logged.
 */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status: number | null = null,
    /** What the server asked us to wait (Retry-After / retry-after-ms), if anything. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(scrubKeyShapes(message));
    this.name = 'ProviderCallError';
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

/**
 * The retry layer gave up on a call (a failure that is not retried, or the last allowed attempt).
 * It carries what the call cost, so a failed sample still reports its retries and waits.
 */
export class ProviderGaveUpError extends Error {
  constructor(
    readonly failure: ProviderCallError,
    readonly attempts: number,
    readonly retries: number,
    readonly rateLimitWaitMs: number,
    reason: string,
  ) {
    super(`${failure.message} (${reason})`);
    this.name = 'ProviderGaveUpError';
  }
}

/** Retries and waiting time spent by a call that finally failed; zeros for any other error. */
export function failedCallCost(error: unknown): { retries: number; rateLimitWaitMs: number } {
  return error instanceof ProviderGaveUpError
    ? { retries: error.retries, rateLimitWaitMs: error.rateLimitWaitMs }
    : { retries: 0, rateLimitWaitMs: 0 };
}

/** Classifies an HTTP error answer: status, its headers (for Retry-After) and its parsed body. */
export function httpFailure(
  status: number,
  headers: Headers | null,
  body: unknown,
): ProviderCallError {
  const detail = errorDetail(body);
  const prefix = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  const message = detail ? `${prefix}: ${detail}` : prefix;
  if (status === 429) {
    if (QUOTA_MARKERS.test(quotaText(body)))
      return new ProviderCallError(`${message} [quota exhausted]`, 'quota', status);
    return new ProviderCallError(message, 'rate_limit', status, retryAfterMs(headers));
  }
  if (status === 408)
    return new ProviderCallError(message, 'timeout', status, retryAfterMs(headers));
  if (status >= 500) return new ProviderCallError(message, 'server', status, retryAfterMs(headers));
  return new ProviderCallError(message, 'client', status);
}

/** A request that never got an HTTP answer: refused, reset, DNS failure… */
export function networkFailure(error: unknown): ProviderCallError {
  const cause =
    error instanceof Error
      ? (error.cause as { code?: string; message?: string } | undefined)
      : undefined;
  const reason =
    cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new ProviderCallError(`network error: ${reason}`, 'network');
}

/**
 * How long the server asks us to wait, in ms: `retry-after-ms` (OpenAI-style, fractional ms) first,
 * then `Retry-After` as seconds or as an HTTP date. Null when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | null, now: number = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** The human part of an error body: OpenAI `{error: {message}}`, `{error: "…"}`, `{message}`, `{detail}` or text. */
function errorDetail(body: unknown): string {
  const text = (() => {
    if (typeof body === 'string') return body;
    if (!body || typeof body !== 'object') return '';
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (typeof error === 'string') return error;
    if (
      error &&
      typeof error === 'object' &&
      typeof (error as Record<string, unknown>).message === 'string'
    ) {
      return (error as Record<string, string>).message as string;
    }
    for (const key of ['message', 'detail'])
      if (typeof record[key] === 'string') return record[key] as string;
    return JSON.stringify(body);
  })();
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_DETAIL_LENGTH ? `${oneLine.slice(0, MAX_DETAIL_LENGTH)}…` : oneLine;
}

function quotaText(body: unknown): string {
  if (typeof body === 'string') return body;
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  const { type, code, message } = (error ?? {}) as Record<string, unknown>;
  return [type, code, message].filter((part) => typeof part === 'string').join(' ');
}
