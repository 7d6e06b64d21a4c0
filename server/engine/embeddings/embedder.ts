import { LRUCache } from 'lru-cache';
import type { PersistentCacheStore } from '../cache/response-cache.ts';
import { sha256Hex } from '../hashing.ts';
import type { ConcurrencyWindow } from '../providers/adaptive-limiter.ts';
import { callWithRetry, type RetryPolicy } from '../providers/retry.ts';
import type { EmbeddingTransport } from './transport.ts';

/** What a run has asked of its embedding model so far. */
export interface EmbeddingStats {
  /** Requests sent to the backend (a batch is one request); 0 when everything came from the cache. */
  requests: number;
  /** Texts embedded by the backend. */
  texts: number;
  cacheHits: number;
  retries: number;
}

/**
 * Vectors already computed, keyed by (endpoint, model, text): a memory tier shared by every run of the
 * app, and optionally the durable response-cache store behind it (the vector as base64 float32 text
 * under an `embedding:` key), so a second run of the same pipeline — even after a restart — sends no
 * embedding request at all.
 */
export class EmbeddingCache {
  private readonly vectors: LRUCache<string, Float32Array>;

  constructor(
    private readonly durable: PersistentCacheStore | null = null,
    maxEntries = 50_000,
  ) {
    this.vectors = new LRUCache({ max: maxEntries });
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const remembered = this.vectors.get(key);
    if (remembered || !this.durable) return remembered;
    const stored = await this.durable.get(`embedding:${key}`);
    if (!stored) return undefined;
    const vector = decodeVector(stored.completion.text);
    this.vectors.set(key, vector);
    return vector;
  }

  set(key: string, vector: Float32Array): void {
    this.vectors.set(key, vector);
    this.durable?.set(`embedding:${key}`, {
      completion: {
        text: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'),
        tokensInput: 0,
        tokensOutput: 0,
        finishReason: 'stop',
      },
      latencyMs: 0,
    });
  }
}

function decodeVector(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  // A copy: the Buffer may sit at an offset of a shared pool that float32 alignment does not allow.
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/** Where vectors come from: a remote transport behind the retry layer, or a local function (the simulated model). */
export type EmbeddingBackend =
  | {
      kind: 'remote';
      transport: EmbeddingTransport;
      policy: RetryPolicy;
      limiter: ConcurrencyWindow | null;
    }
  | { kind: 'local'; embed(text: string): number[] };

/**
 * An embedding model as the engine uses it: looks every text up in the cache, sends the misses in
 * batches as large as the backend takes, through the same retry layer and adaptive window as
 * generation, and checks that every vector has the model's dimensions.
 */
export class Embedder {
  readonly stats: EmbeddingStats = { requests: 0, texts: 0, cacheHits: 0, retries: 0 };
  private dimensions: number | null = null;

  constructor(
    /** Names the model and where it runs (endpoint + model): the version key of vector indexes and cache entries. */
    readonly identity: string,
    readonly model: string,
    private readonly backend: EmbeddingBackend,
    private readonly cache: EmbeddingCache | null,
  ) {}

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const keys = texts.map((text) => sha256Hex(`${this.identity}\u0000${text}`));
    const result: (Float32Array | undefined)[] = await Promise.all(
      keys.map((key) => this.cache?.get(key)),
    );
    const missing = result.flatMap((vector, index) => (vector ? [] : [index]));
    this.stats.cacheHits += texts.length - missing.length;
    const batch = this.backend.kind === 'remote' ? this.backend.transport.maxBatch : 256;
    for (let start = 0; start < missing.length; start += batch) {
      const positions = missing.slice(start, start + batch);
      const vectors = await this.send(
        positions.map((index) => texts[index] as string),
        signal,
      );
      positions.forEach((index, offset) => {
        const vector = this.checked(vectors[offset] as number[]);
        result[index] = vector;
        this.cache?.set(keys[index] as string, vector);
      });
    }
    return result as Float32Array[];
  }

  private async send(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    this.stats.requests += 1;
    this.stats.texts += texts.length;
    const backend = this.backend;
    if (backend.kind === 'local') return texts.map((text) => backend.embed(text));
    const { value, retries } = await callWithRetry(
      (attemptSignal) => backend.transport.embed(this.model, texts, attemptSignal),
      {
        policy: backend.policy,
        limiter: backend.limiter,
        signal,
      },
    );
    this.stats.retries += retries;
    return value;
  }

  private checked(vector: number[]): Float32Array {
    this.dimensions ??= vector.length;
    if (vector.length !== this.dimensions) {
      throw new EmbeddingDimensionError(
        `${this.identity} returned a ${vector.length}-dimensional vector after ${this.dimensions}-dimensional ones`,
      );
    }
    return Float32Array.from(vector);
  }
}

/** Vectors of different lengths cannot be compared: a model changed behind its name, or an index belongs to another model. */
export class EmbeddingDimensionError extends Error {
  override readonly name = 'EmbeddingDimensionError';
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
