import type { CacheTier } from '../cache/response-cache.ts';
import type {
  ChatMessage,
  Completion,
  Example,
  ProfilePhase,
  ReasoningMethod,
  RequestMetadata,
} from '../types.ts';

/** One model call as the method sees it: the reply, and whether the cache served it. */
export interface Generation {
  completion: Completion;
  /** Where a cached reply came from; null when the provider was called. */
  cacheTier: CacheTier | null;
}

/** What the runner lends a method for one sample. */
export interface MethodContext {
  /**
   * Sends messages to the model through the cache; the runner times cache_lookup and api_call.
   * `metadata` states what the call is for (the simulated provider answers from it).
   */
  generate(messages: ChatMessage[], metadata: RequestMetadata): Promise<Generation>;
  /** Times method-specific work under a profile phase (prompt_build, parsing, retrieval, tool). */
  time<T>(phase: ProfilePhase, work: () => T | Promise<T>): Promise<T>;
  /** Tells listeners about one finished step of a multi-step method (the REACT agent), as it happens. */
  reportStep(step: AgentStepReport): void;
  readonly signal: AbortSignal;
}

/** One finished agent step, as reported live (the full trace is stored with the sample). */
export interface AgentStepReport {
  iteration: number;
  thought: string;
  action: string | null;
  input: string | null;
  /** The tool's output (or its error); null when the action was not run (loop, last iteration). */
  observation: string | null;
  toolError: boolean;
  answer: string | null;
  /** Whether the model reply came from the cache. */
  cached: boolean;
  /** The whole step: model call, parsing and tool. */
  ms: number;
}

/** What a method made of one sample. */
export interface MethodResult {
  /** The messages of the first model call (what a user wants to inspect as "the prompt"). */
  messages: ChatMessage[];
  /** The last reply, verbatim. */
  rawOutput: string;
  parsedAnswer: string;
  /** Method-specific detail (agent steps, retrieved passages); null for single-call methods. */
  trace: unknown;
}

/** A reasoning method: how it talks to a model to answer one example. */
export interface Method {
  readonly name: ReasoningMethod;
  /** Part of every cache key: bump it whenever the prompt or the parser changes. */
  readonly version: string;
  solve(example: Example, context: MethodContext): Promise<MethodResult>;
}

/** A method that sends one prompt and parses one reply (NAIVE, COT). */
export interface SingleCallMethod extends Method {
  buildMessages(example: Example): ChatMessage[];
  parseAnswer(text: string): string;
}

export function singleCallMethod(spec: Omit<SingleCallMethod, 'solve'>): SingleCallMethod {
  return {
    ...spec,
    async solve(example, context) {
      const messages = await context.time('prompt_build', () => spec.buildMessages(example));
      const { completion } = await context.generate(messages, {
        method: spec.name,
        question: example.question,
      });
      const parsedAnswer = await context.time('parsing', () => spec.parseAnswer(completion.text));
      return { messages, rawOutput: completion.text, parsedAnswer, trace: null };
    },
  };
}
