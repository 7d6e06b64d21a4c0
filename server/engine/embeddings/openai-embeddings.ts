import { postJson, withVersionPath } from '../providers/openai-compatible.ts';
import { ProviderCallError } from '../providers/provider-error.ts';
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
    this.url = `${withVersionPath(baseUrl)}/embeddings`;
  }

  async embed(model: string, texts: readonly string[], signal: AbortSignal): Promise<number[][]> {
    const body = await postJson(this.url, this.apiKey, { model, input: texts }, signal);
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
