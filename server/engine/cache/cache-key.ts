import { canonicalJson, sha256Hex } from '../hashing.ts';
import type { ChatMessage, GenerationParams, ProviderKind, RequestSubject } from '../types.ts';

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
   * The example asked about, for providers whose reply depends on it (the simulator answers from the
   * dataset's own records, so two datasets sharing a question must not share a cached reply).
   */
  subject?: RequestSubject;
}

/** SHA-256 of the canonical JSON (sorted keys) of everything that shapes the response. */
export function cacheKey(parts: CacheKeyParts): string {
  const { subject, ...rest } = parts;
  return sha256Hex(canonicalJson(subject === undefined ? rest : parts));
}
