import type { SecretScrubber } from '../../secrets.ts';
import type { ConcurrencyChange } from '../optimization-profile.ts';
import {
  CHARS_PER_TOKEN,
  type ChatMessage,
  type Completion,
  type CompletionRequest,
  type Provider,
  type ProviderKind,
} from '../types.ts';
import type { ConcurrencyWindow } from './adaptive-limiter.ts';
import type { BreakerReport, CircuitBreaker } from './circuit-breaker.ts';
import { ProviderCallError } from './provider-error.ts';
import { callWithRetry, type RetryPolicy } from './retry.ts';

/** One HTTP exchange with a chat-completion server. Failures it can classify are {@link ProviderCallError}s. */
export interface ChatTransport {
  send(request: CompletionRequest, signal: AbortSignal): Promise<Completion>;
}

/**
 * A provider reached over the network: every call goes through the shared retry layer and the
 * endpoint's adaptive concurrency window. The completion reports its retries and the time it waited
 * (for a permit or a backoff), which the runner books as `rate_limit_wait` instead of `api_call`.
 */
export class RemoteProvider implements Provider {
  private readonly createdAt = performance.now();
  private readonly initialLimit: number | null;
  private readonly breakerAtStart: BreakerReport | null;

  constructor(
    readonly kind: ProviderKind,
    private readonly transport: ChatTransport,
    private readonly policy: RetryPolicy,
    private readonly limiter: ConcurrencyWindow,
    private readonly breaker: CircuitBreaker | null = null,
    private readonly secrets: SecretScrubber | null = null,
  ) {
    this.initialLimit = limiter.currentLimit;
    this.breakerAtStart = breaker?.snapshot() ?? null;
  }

  /** What the endpoint's circuit breaker did since this provider was created (it is shared by every run). */
  breakerReport(): BreakerReport | null {
    if (!this.breaker || !this.breakerAtStart) return null;
    const now = this.breaker.snapshot();
    const before = this.breakerAtStart;
    return {
      state: now.state,
      opened: now.opened - before.opened,
      fastFailures: now.fastFailures - before.fastFailures,
      timeLostMs: now.timeLostMs - before.timeLostMs,
      lastFailure: now.lastFailure,
    };
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const send = async (signal: AbortSignal) => {
      request.onTheWire?.begin();
      try {
        return await this.transport.send(request, signal);
      } finally {
        request.onTheWire?.end();
      }
    };
    const { value, retries, waitedMs } = await callWithRetry(send, {
      policy: this.policy,
      limiter: this.limiter,
      breaker: this.breaker,
      signal: request.signal,
      whileWaiting: request.whileWaiting,
    });
    // A server may echo a key inside its answer; it must not reach results, events, exports or the cache.
    return {
      ...value,
      text: this.secrets ? this.secrets.scrub(value.text) : value.text,
      retries,
      rateLimitWaitMs: waitedMs,
    };
  }

  /** How this provider's window changed since it was created, each limit capped at `ceiling` (the batch size). */
  concurrencyChanges(ceiling: number): ConcurrencyChange[] {
    const changes: ConcurrencyChange[] = [];
    let last = ceiling;
    const push = (atMs: number, limit: number | null, reason: string) => {
      const effective = Math.min(limit ?? ceiling, ceiling);
      if (effective === last) return;
      last = effective;
      changes.push({ atMs: Math.round(atMs * 1000) / 1000, limit: effective, reason });
    };
    push(0, this.initialLimit, 'inherited');
    for (const change of this.limiter.history) {
      if (change.time >= this.createdAt)
        push(change.time - this.createdAt, change.limit, change.reason);
    }
    return changes;
  }
}

/** The OpenAI chat-completion request body for our generation parameters. */
export function chatCompletionBody(request: CompletionRequest) {
  const { params } = request;
  return {
    model: request.model,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    temperature: params.temperature,
    max_tokens: params.maxTokens,
    top_p: params.topP,
    seed: params.seed,
    ...(params.stop.length > 0 ? { stop: [...params.stop] } : {}),
  };
}

/** Reads an OpenAI-shaped chat completion; token counts are estimated when the server reports none. */
export function parseChatCompletion(body: unknown, messages: readonly ChatMessage[]): Completion {
  const choice = (
    body as { choices?: { message?: { content?: unknown }; finish_reason?: unknown }[] } | null
  )?.choices?.[0];
  const text = choice?.message?.content;
  if (typeof text !== 'string') {
    throw new ProviderCallError(
      'the server answered without choices[0].message.content',
      'invalid_response',
    );
  }
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } })
    .usage;
  const inputChars = messages.reduce((total, message) => total + message.content.length, 0);
  return {
    text,
    tokensInput:
      typeof usage?.prompt_tokens === 'number'
        ? usage.prompt_tokens
        : Math.ceil(inputChars / CHARS_PER_TOKEN),
    tokensOutput:
      typeof usage?.completion_tokens === 'number'
        ? usage.completion_tokens
        : Math.ceil(text.length / CHARS_PER_TOKEN),
    finishReason: choice?.finish_reason === 'length' ? 'length' : 'stop',
  };
}
