import {
  InferenceClient,
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
} from '@huggingface/inference';
import type { HuggingFaceProviderConfig } from '../experiment-config.ts';
import { httpFailure, networkFailure, ProviderCallError } from '../providers/provider-error.ts';
import { isVector } from './openai-embeddings.ts';
import type { EmbeddingTransport } from './transport.ts';

/**
 * Hugging Face feature extraction (`InferenceClient.featureExtraction`) on the router or a dedicated
 * endpoint / Text Embeddings Inference server. The library's own retry is off; ours retries.
 */
export class HuggingFaceEmbeddingTransport implements EmbeddingTransport {
  readonly maxBatch = 32;
  private readonly client: InferenceClient;

  constructor(
    private readonly config: Pick<HuggingFaceProviderConfig, 'hfProvider' | 'endpointUrl'>,
    token: string | null,
  ) {
    this.client = new InferenceClient(token ?? undefined);
  }

  async embed(model: string, texts: readonly string[], signal: AbortSignal): Promise<number[][]> {
    const { endpointUrl, hfProvider } = this.config;
    const output = await callHuggingFace(signal, (fetch) =>
      this.client.featureExtraction(
        {
          model,
          inputs: [...texts],
          ...(endpointUrl ? { endpointUrl } : { provider: (hfProvider ?? 'auto') as 'auto' }),
        },
        { retry_on_error: false, signal, fetch },
      ),
    );
    if (!Array.isArray(output) || output.length !== texts.length || !output.every(isVector)) {
      throw new ProviderCallError(
        `feature extraction did not return ${texts.length} pooled vectors (is the model a sentence-embedding model?)`,
        'invalid_response',
      );
    }
    return output as number[][];
  }
}

/**
 * One call through InferenceClient with its errors in the shared retry layer's terms: HTTP failures
 * keep their status and Retry-After (read from the response the library saw), bad input is a client
 * error, and network failures are retryable.
 */
export async function callHuggingFace<T>(
  signal: AbortSignal,
  call: (fetch: typeof globalThis.fetch) => Promise<T>,
): Promise<T> {
  let lastResponse: Response | null = null;
  const observingFetch: typeof fetch = async (input, init) => {
    try {
      lastResponse = await fetch(input, { ...init, signal });
      return lastResponse;
    } catch (error) {
      throw networkFailure(error);
    }
  };
  try {
    return await call(observingFetch);
  } catch (error) {
    if (error instanceof ProviderCallError) throw error;
    if (
      error instanceof InferenceClientProviderApiError ||
      error instanceof InferenceClientHubApiError
    ) {
      throw httpFailure(
        error.httpResponse.status,
        (lastResponse as Response | null)?.headers ?? null,
        error.httpResponse.body,
      );
    }
    if (error instanceof InferenceClientInputError)
      throw new ProviderCallError(error.message, 'client');
    if (error instanceof InferenceClientProviderOutputError)
      throw new ProviderCallError(error.message, 'invalid_response');
    throw error;
  }
}
