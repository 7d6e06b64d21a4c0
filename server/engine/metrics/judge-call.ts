import { cacheKey } from '../cache/cache-key.ts';
import type { CacheTier, ResponseCache } from '../cache/response-cache.ts';
import type {
  ChatMessage,
  CompletionRequest,
  GenerationParams,
  Provider,
  RequestMetadata,
  RequestSubject,
} from '../types.ts';

/** A chat model that grades: its provider (with the app's retry, limiter and breaker layers), model and endpoint. */
export interface JudgeTarget {
  provider: Provider;
  model: string;
  /** Where requests go, for the cache key (null for the simulator). */
  endpoint: string | null;
}

/** Part of every judge call's cache key: bump it whenever a judge prompt or parser changes. */
export const JUDGE_PROMPT_VERSION = 'judge-v1';

/** Judges answer greedily, with room for a list of claims; the seed is the experiment's. */
export function judgeParams(seed: number): GenerationParams {
  return { temperature: 0, maxTokens: 1024, topP: 1, seed, stop: [] };
}

export interface JudgeCallHooks {
  /** Told of every call that reaches the provider (a cache hit is not one). */
  onProviderCall?: () => void;
  onTheWire?: CompletionRequest['onTheWire'];
  whileWaiting?: CompletionRequest['whileWaiting'];
}

export interface JudgeReply {
  text: string;
  cacheTier: CacheTier | null;
}

/**
 * One judge call through the same two-tier response cache (and in-flight de-duplication) as
 * generation: the key names the judge's provider kind, endpoint, model, messages and parameters.
 * Without a cache every call goes to the provider.
 */
export async function callJudge(
  target: JudgeTarget,
  cache: ResponseCache | null,
  request: {
    messages: ChatMessage[];
    metadata: RequestMetadata;
    subject: RequestSubject;
    seed: number;
    signal?: AbortSignal;
  },
  hooks: JudgeCallHooks = {},
): Promise<JudgeReply> {
  const params = judgeParams(request.seed);
  const callProvider = async () => {
    hooks.onProviderCall?.();
    const start = performance.now();
    const completion = await target.provider.complete({
      model: target.model,
      messages: request.messages,
      params,
      metadata: request.metadata,
      signal: request.signal,
      subject: request.subject,
      onTheWire: hooks.onTheWire,
      whileWaiting: hooks.whileWaiting,
    });
    return { completion, latencyMs: performance.now() - start };
  };
  if (!cache) return { text: (await callProvider()).completion.text, cacheTier: null };
  const key = cacheKey({
    providerKind: target.provider.kind,
    endpoint: target.endpoint,
    model: target.model,
    messages: request.messages,
    params,
    methodVersion: JUDGE_PROMPT_VERSION,
    ...(target.provider.kind === 'SIMULATED' ? { dataset: request.subject.dataset } : {}),
  });
  const hit = await cache.lookup(key);
  if (hit) return { text: hit.completion.text, cacheTier: hit.tier };
  const fetched = await cache.fetchOnce(key, callProvider);
  return { text: fetched.completion.text, cacheTier: fetched.tier };
}
