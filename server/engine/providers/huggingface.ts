import {
  InferenceClient,
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
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
    const { model, messages, temperature, max_tokens, top_p, seed, stop } =
      chatCompletionBody(request);
    const { endpointUrl, hfProvider } = this.config;
    const output = await callHuggingFace(signal, (fetch) =>
      this.client.chatCompletion(
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
        { retry_on_error: false, signal, fetch },
      ),
    );
    return parseChatCompletion(output, request.messages);
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
