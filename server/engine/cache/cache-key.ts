import { canonicalJson, sha256Hex } from '../hashing.ts';
import type { ChatMessage, GenerationParams, ProviderKind } from '../types.ts';

export interface CacheKeyParts {
  providerKind: ProviderKind;
  /** Where the request goes (base URL, HF provider or endpoint); null for the simulator. */
  endpoint: string | null;
  model: string;
  messages: readonly ChatMessage[];
  params: GenerationParams;
  /** Version tag of the method that built the prompt and will parse the answer. */
  methodVersion: string;
  /**
   * The dataset asked about, for providers whose reply depends on it: the simulator answers from the
   * dataset's own records, so two datasets sharing a question must not share a cached reply (repeated
   * prompts within one dataset still do).
   */
  dataset?: string;
}

/** SHA-256 of the canonical JSON (sorted keys) of everything that shapes the response. */
export function cacheKey(parts: CacheKeyParts): string {
  const { dataset, ...rest } = parts;
  return sha256Hex(canonicalJson(dataset === undefined ? rest : parts));
}
