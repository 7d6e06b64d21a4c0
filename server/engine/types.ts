/**
 * Shared vocabulary of the engine. Nothing here knows about GraphQL or the database:
 * the engine runs samples and reports what happened; the layers above store and serve it.
 */
import type { ConcurrencyChange } from './profile.ts';

export const REASONING_METHODS = ['NAIVE', 'COT', 'REACT', 'RAG'] as const;
export type ReasoningMethod = (typeof REASONING_METHODS)[number];

export const PROVIDER_KINDS = ['SIMULATED', 'HUGGINGFACE', 'OPENAI_COMPATIBLE'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const RETRIEVAL_METHODS = ['BM25', 'HYBRID'] as const;
export type RetrievalMethod = (typeof RETRIEVAL_METHODS)[number];

/** One tool call a good agent would make; shipped with react_bench records as a hint for the simulator. */
export interface ToolStep {
  tool: 'search' | 'calculator';
  input: string;
}

/** One dataset record. Extra fields are optional hints used by the simulated provider. */
export interface Example {
  id: string;
  question: string;
  answer: string;
  aliases: readonly string[];
  /** Worked solution for word problems (lets the simulator write a believable chain of thought). */
  solution?: string;
  /** Tool calls a good agent would make (react_bench). */
  steps?: readonly ToolStep[];
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerationParams {
  temperature: number;
  maxTokens: number;
  topP: number;
  seed: number;
  stop: readonly string[];
}

export interface CompletionRequest {
  model: string;
  messages: readonly ChatMessage[];
  params: GenerationParams;
  signal?: AbortSignal;
  /**
   * Providers call `begin` and `end` around each request actually sent (not while it waits for a
   * permit or a backoff), so the runner measures the concurrency really reached.
   */
  onTheWire?: { begin(): void; end(): void };
  /** Runs a wait (Retry-After, backoff) without holding the caller's window slot. */
  whileWaiting?: <T>(wait: () => Promise<T>) => Promise<T>;
}

export interface Completion {
  text: string;
  tokensInput: number;
  tokensOutput: number;
  finishReason: 'stop' | 'length';
  /** Attempts that failed before this one succeeded (set by the retry layer). */
  retries?: number;
  /** Time spent waiting out rate limits and backoff before the successful attempt. */
  rateLimitWaitMs?: number;
}

/** A chat-completion backend. Implementations throw on failure; the runner records the error per sample. */
export interface Provider {
  readonly kind: ProviderKind;
  complete(request: CompletionRequest): Promise<Completion>;
  /** Changes of the adaptive concurrency window so far, each limit capped at `ceiling` (remote providers). */
  concurrencyChanges?(ceiling: number): ConcurrencyChange[];
  /** What the endpoint's circuit breaker did during this run (remote providers). */
  breakerReport?(): BreakerReport | null;
}

/** The phases the profiler knows. `retrieval`, `tool` and `rate_limit_wait` appear only where they apply. */
export const PROFILE_PHASES = [
  'prompt_build',
  'cache_lookup',
  'api_call',
  'parsing',
  'metrics',
  'retrieval',
  'tool',
  'rate_limit_wait',
] as const;
export type ProfilePhase = (typeof PROFILE_PHASES)[number];

/** What an endpoint's circuit breaker did, for the profile: how often it opened and how many calls it failed at once. */
export interface BreakerReport {
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  opened: number;
  fastFailures: number;
  /** Time spent on the connection failures that led to opening (what the breaker saves repeating). */
  timeLostMs: number;
  lastFailure: string | null;
}
