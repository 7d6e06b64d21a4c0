import {
  InferenceClient,
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
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
    let lastResponse: Response | null = null;
    const observingFetch: typeof fetch = async (input, init) => {
      try {
        lastResponse = await fetch(input, { ...init, signal });
        return lastResponse;
      } catch (error) {
        throw networkFailure(error);
      }
    };
    const { endpointUrl, hfProvider } = this.config;
    let output: unknown;
    try {
      output = await this.client.featureExtraction(
        {
          model,
          inputs: [...texts],
          ...(endpointUrl ? { endpointUrl } : { provider: (hfProvider ?? 'auto') as 'auto' }),
        },
        { retry_on_error: false, signal, fetch: observingFetch },
      );
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
      throw error;
    }
    if (!Array.isArray(output) || output.length !== texts.length || !output.every(isVector)) {
      throw new ProviderCallError(
        `feature extraction did not return ${texts.length} pooled vectors (is the model a sentence-embedding model?)`,
        'invalid_response',
      );
    }
    return output as number[][];
  }
}
