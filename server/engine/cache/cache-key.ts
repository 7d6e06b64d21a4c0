import { createHash } from 'node:crypto';
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
  /** Anything else that shapes the response (e.g. the simulator's latency does not, so it is left out). */
  extra?: Record<string, unknown>;
}

/** SHA-256 of the canonical JSON (sorted keys) of everything that shapes the response. */
export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
