/** One batched request to an embedding backend: one vector per text, in order. Failures it can classify are ProviderCallErrors. */
export interface EmbeddingTransport {
  /** The most texts one request may carry. */
  readonly maxBatch: number;
  embed(model: string, texts: readonly string[], signal: AbortSignal): Promise<number[][]>;
}
