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
    const body = await postJson(this.url, this.apiKey, chatCompletionBody(request), signal);
    if (body === undefined)
      throw new ProviderCallError(
        'the server answered with something other than JSON',
        'invalid_response',
      );
    return parseChatCompletion(body, request.messages);
  }
}

/**
 * POSTs JSON (with the key as a bearer token, when there is one) and reads the reply: the parsed
 * body, or undefined when it is not JSON. Network failures and non-2xx answers throw the
 * ProviderCallError the retry layer classifies. Every OpenAI-style route (chat, embeddings, rerank)
 * goes through it.
 */
export async function postJson(
  url: string,
  apiKey: string | null,
  payload: unknown,
  signal: AbortSignal,
): Promise<unknown> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload), signal });
    text = await response.text();
  } catch (error) {
    throw networkFailure(error);
  }
  const body = parseJson(text);
  if (!response.ok) throw httpFailure(response.status, response.headers, body ?? text);
  return body;
}

/** A base URL without a path gets `/v1`, the convention of OpenAI-compatible servers. */
export function withVersionPath(baseUrl: string): string {
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
