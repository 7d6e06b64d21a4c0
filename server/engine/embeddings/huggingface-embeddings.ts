import { InferenceClient } from '@huggingface/inference';
import type { HuggingFaceProviderConfig } from '../experiment-config.ts';
import { callHuggingFace } from '../providers/huggingface.ts';
import { ProviderCallError } from '../providers/provider-error.ts';
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
