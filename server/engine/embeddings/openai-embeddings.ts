import { httpFailure, networkFailure, ProviderCallError } from '../providers/provider-error.ts';
import type { EmbeddingTransport } from './transport.ts';

/**
 * `POST /v1/embeddings` as served by OpenAI, vLLM, Text Embeddings Inference, Ollama and llama.cpp:
 * `{ model, input: [texts] }` → `{ data: [{ index, embedding }] }`. A base URL without a path gets `/v1`.
 */
export class OpenAiEmbeddingTransport implements EmbeddingTransport {
  readonly maxBatch = 64;
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string | null,
  ) {
    const trimmed = baseUrl.replace(/\/+$/, '');
    this.url = `${new URL(trimmed).pathname === '/' ? `${trimmed}/v1` : trimmed}/embeddings`;
  }

  async embed(model: string, texts: readonly string[], signal: AbortSignal): Promise<number[][]> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model, input: texts }),
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw networkFailure(error);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) throw httpFailure(response.status, response.headers, body ?? text);
    return readEmbeddings(body, texts.length);
  }
}

function readEmbeddings(body: unknown, expected: number): number[][] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new ProviderCallError(
      `the server answered without ${expected} embeddings in data[]`,
      'invalid_response',
    );
  }
  const vectors: number[][] = new Array(expected);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = typeof item?.index === 'number' ? item.index : position;
    if (!isVector(item?.embedding) || index < 0 || index >= expected) {
      throw new ProviderCallError(
        'the server answered with an embedding that is not a list of numbers',
        'invalid_response',
      );
    }
    vectors[index] = item.embedding;
  });
  return vectors;
}

export function isVector(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}
