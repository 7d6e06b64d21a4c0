import { EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * One provider response in the persistent cache tier, shared by every experiment. Bounded: when the
 * table outgrows its limit the least recently used rows go first.
 */
export class CachedResponse {
  /** SHA-256 (hex) of the canonical request: provider and endpoint, model, messages, parameters, method version. */
  key!: string;
  /** The completion as the provider returned it (text, token counts, finish reason). */
  completion!: unknown;
  /** API time the original call took: what every hit saves. */
  latencyMs!: number;
  createdAt: Date & Opt = new Date();
  /** Updated in batches when the entry is hit; eviction removes the oldest first. */
  lastUsedAt: Date & Opt = new Date();
}

export const CachedResponseSchema = new EntitySchema<CachedResponse>({
  class: CachedResponse,
  tableName: 'response_cache',
  properties: {
    key: { type: 'string', length: 64, primary: true },
    completion: { type: 'json', columnType: 'json' },
    latencyMs: { type: 'double' },
    createdAt: { type: 'datetime' },
    lastUsedAt: { type: 'datetime', index: true },
  },
});
