import type { Completion, CompletionRequest } from '../types.ts';
import { httpFailure, networkFailure, ProviderCallError } from './provider-error.ts';
import { chatCompletionBody, parseChatCompletion, type ChatTransport } from './remote-provider.ts';

/**
 * Any server with an OpenAI `/chat/completions` route (vLLM, Ollama, llama.cpp server, hosted APIs),
 * through Node's fetch. A base URL without a path gets `/v1`, the convention of those servers.
 */
export class OpenAiCompatibleTransport implements ChatTransport {
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string | null,
  ) {
    this.url = `${withVersionPath(baseUrl)}/chat/completions`;
  }

  async send(request: CompletionRequest, signal: AbortSignal): Promise<Completion> {
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
        body: JSON.stringify(chatCompletionBody(request)),
        signal,
      });
      text = await response.text();
    } catch (error) {
      throw networkFailure(error);
    }
    const body = parseJson(text);
    if (!response.ok) throw httpFailure(response.status, response.headers, body ?? text);
    if (body === undefined)
      throw new ProviderCallError(
        'the server answered with something other than JSON',
        'invalid_response',
      );
    return parseChatCompletion(body, request.messages);
  }
}

function withVersionPath(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return new URL(trimmed).pathname === '/' ? `${trimmed}/v1` : trimmed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
