/**
 * Shared vocabulary of the engine. Nothing here knows about GraphQL or the database:
 * the engine runs samples and reports what happened; the layers above store and serve it.
 */
import type { ConcurrencyChange } from './optimization-profile.ts';

export const REASONING_METHODS = ['NAIVE', 'COT', 'REACT', 'RAG'] as const;
export type ReasoningMethod = (typeof REASONING_METHODS)[number];

export const PROVIDER_KINDS = ['SIMULATED', 'HUGGINGFACE', 'OPENAI_COMPATIBLE'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const RETRIEVAL_METHODS = ['BM25', 'DENSE', 'HYBRID', 'RERANKED'] as const;
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
  /** Every other field of the imported record (category, difficulty, context, …), kept as it was. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * What a dataset measures. The simulated provider's behaviour per method and the documented method
 * contrasts (COT helps MATH, RAG helps KNOWLEDGE, REACT helps MULTI_HOP and AGENT) follow the kind, not the name.
 */
export const DATASET_KINDS = ['GENERAL', 'MATH', 'MULTI_HOP', 'KNOWLEDGE', 'AGENT'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** Which example a request is about: lets the simulated provider look up the gold answer by identity, not question text. */
export interface RequestSubject {
  dataset: string;
  exampleId: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerationParams {
  temperature: number;
  maxTokens: number;
  topP: number;
  /** Sample from the topK most likely tokens; absent means the provider's default. */
  topK?: number;
  seed: number;
  stop: readonly string[];
}

/** Characters per token, where a provider does not count tokens itself (the simulator, a server without `usage`). */
export const CHARS_PER_TOKEN = 4;

/**
 * What a model call is for, stated by the method that makes it. The simulated provider answers from
 * it and never reads the prompt text; real providers ignore it. It is not part of the cache key: the
 * messages already say the same.
 */
export interface RequestMetadata {
  /** The answer format the prompt asks for. */
  method: ReasoningMethod;
  /** The example's question, verbatim. */
  question: string;
  /** RAG: the retrieved passages, as the prompt gives them to the model. */
  context?: string;
  /** REACT: the tool observations already in the conversation. */
  observations?: number;
  /** An LLM_RUBRIC grader's judge call: the rubric and the answer it grades (the reply is a JSON verdict). */
  judge?: { rubric: string; answer: string };
  /** A model-graded metric's judge call: what the simulator answers from (it never reads the prompt text). */
  grading?: {
    metric: 'FAITHFULNESS' | 'CONTEXT_RELEVANCE' | 'JUDGE';
    answer: string;
    /** FAITHFULNESS, CONTEXT_RELEVANCE: the retrieved passages as the judge is shown them. */
    passages?: string[];
    /** JUDGE: the top of the 1..scale score. */
    scale?: number;
  };
  /** A dataset generator's call: write `count` question–answer pairs grounded in `passage` (the reply is JSON). */
  synthesize?: { title: string; passage: string; count: number };
}

export interface CompletionRequest {
  model: string;
  messages: readonly ChatMessage[];
  params: GenerationParams;
  /** Set by the engine for every call a method makes; absent for requests that arrive as plain chat. */
  metadata?: RequestMetadata;
  signal?: AbortSignal;
  /** The example being answered (providers other than the simulator ignore it). */
  subject?: RequestSubject;
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

/** The phases the profiler knows. `retrieval`, `tool`, `rate_limit_wait`, `embedding`, `rerank` and the model-graded metrics appear only where they apply. */
export const PROFILE_PHASES = [
  'prompt_build',
  'cache_lookup',
  'api_call',
  'parsing',
  'metrics',
  'retrieval',
  'tool',
  'rate_limit_wait',
  'embedding',
  'rerank',
  'semantic_similarity',
  'faithfulness',
  'context_relevance',
  'judge',
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
