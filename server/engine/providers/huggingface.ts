import {
  InferenceClient,
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
} from '@huggingface/inference';
import type { HuggingFaceProviderConfig } from '../experiment-config.ts';
import type { Completion, CompletionRequest } from '../types.ts';
import { httpFailure, networkFailure, ProviderCallError } from './provider-error.ts';
import { chatCompletionBody, parseChatCompletion, type ChatTransport } from './remote-provider.ts';

/**
 * Hugging Face inference through @huggingface/inference `InferenceClient.chatCompletion`: the HF
 * router (optionally pinned to `hfProvider`) or a dedicated endpoint / TGI server at `endpointUrl`.
 * The library's own retry is off (it retries 503s at once and forever); ours does the retrying. Our
 * fetch is injected to see the answer's headers (Retry-After), which the library's errors omit.
 */
export class HuggingFaceTransport implements ChatTransport {
  private readonly client: InferenceClient;

  constructor(
    private readonly config: Pick<HuggingFaceProviderConfig, 'hfProvider' | 'endpointUrl'>,
    token: string | null,
  ) {
    this.client = new InferenceClient(token ?? undefined);
  }

  async send(request: CompletionRequest, signal: AbortSignal): Promise<Completion> {
    let lastResponse: Response | null = null;
    const observingFetch: typeof fetch = async (input, init) => {
      try {
        lastResponse = await fetch(input, { ...init, signal });
        return lastResponse;
      } catch (error) {
        throw networkFailure(error);
      }
    };
    const { model, messages, temperature, max_tokens, top_p, seed, stop } =
      chatCompletionBody(request);
    const { endpointUrl, hfProvider } = this.config;
    try {
      const output = await this.client.chatCompletion(
        {
          model,
          messages,
          temperature,
          max_tokens,
          top_p,
          seed,
          // Hugging Face's text-generation servers take a sampling top_k; OpenAI-style APIs do not (config refuses it there).
          ...(request.params.topK === undefined ? {} : { top_k: request.params.topK }),
          ...(stop ? { stop } : {}),
          ...(endpointUrl ? { endpointUrl } : { provider: (hfProvider ?? 'auto') as 'auto' }),
        },
        { retry_on_error: false, signal, fetch: observingFetch },
      );
      return parseChatCompletion(output, request.messages);
    } catch (error) {
      throw classify(error, lastResponse);
    }
  }
}

function classify(error: unknown, response: Response | null): unknown {
  if (error instanceof ProviderCallError) return error;
  if (
    error instanceof InferenceClientProviderApiError ||
    error instanceof InferenceClientHubApiError
  ) {
    return httpFailure(
      error.httpResponse.status,
      response?.headers ?? null,
      error.httpResponse.body,
    );
  }
  if (error instanceof InferenceClientInputError)
    return new ProviderCallError(error.message, 'client');
  return error;
}
