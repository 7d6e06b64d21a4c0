import { ValidationError } from '../../errors.ts';
import type { HuggingFaceProviderConfig } from '../experiment-config.ts';

/** An OpenAI-compatible server named in the server's configuration, with the key to use for it. */
export interface NamedEndpoint {
  name: string;
  baseUrl: string;
  apiKey: string | null;
}

/** Keys from the server environment, read once at start-up and held in memory only. */
export interface ProviderCredentials {
  hfToken: string | null;
  openAiEndpoints: readonly NamedEndpoint[];
}

export const NO_CREDENTIALS: ProviderCredentials = Object.freeze({
  hfToken: null,
  openAiEndpoints: [],
});

const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** HF_TOKEN goes only to Hugging Face's own hosts: a client-chosen endpointUrl must never receive it. */
const HUGGING_FACE_HOSTS = /(^|\.)(huggingface\.co|huggingface\.cloud|hf\.space)$/i;

/**
 * Reads `HF_TOKEN`, `LLMFORGE_OPENAI_ENDPOINTS` (JSON: `{"name": {"baseUrl": "…", "apiKey": "…"}}`, or
 * `"apiKeyEnv": "VAR"` to read the key from another variable) and `OPENAI_API_KEY` (the endpoint
 * "openai" at `OPENAI_BASE_URL`, default https://api.openai.com/v1). Throws on malformed JSON.
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): ProviderCredentials {
  const endpoints = parseNamedEndpoints(env.LLMFORGE_OPENAI_ENDPOINTS, env);
  const openAiKey = nonEmpty(env.OPENAI_API_KEY);
  if (openAiKey && !endpoints.some((endpoint) => endpoint.name === 'openai')) {
    endpoints.push({
      name: 'openai',
      baseUrl: normalizeBaseUrl(env.OPENAI_BASE_URL || DEFAULT_OPENAI_BASE_URL),
      apiKey: openAiKey,
    });
  }
  return { hfToken: nonEmpty(env.HF_TOKEN), openAiEndpoints: endpoints };
}

/** The key the environment holds for exactly this base URL (keys are never sent to other hosts). */
export function environmentKeyFor(
  baseUrl: string,
  credentials: ProviderCredentials,
): string | null {
  const wanted = normalizeBaseUrl(baseUrl);
  return (
    credentials.openAiEndpoints.find((endpoint) => endpoint.baseUrl === wanted)?.apiKey ?? null
  );
}

/** HF_TOKEN for the Hugging Face router and for endpoints hosted by Hugging Face; null for any other URL. */
export function hfTokenFor(
  config: Pick<HuggingFaceProviderConfig, 'endpointUrl'>,
  credentials: ProviderCredentials,
): string | null {
  if (!config.endpointUrl) return credentials.hfToken;
  return HUGGING_FACE_HOSTS.test(new URL(config.endpointUrl).hostname) ? credentials.hfToken : null;
}

export function normalizeBaseUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

function parseNamedEndpoints(json: string | undefined, env: NodeJS.ProcessEnv): NamedEndpoint[] {
  if (!json?.trim()) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(
      'LLMFORGE_OPENAI_ENDPOINTS must be JSON: {"name": {"baseUrl": "http://…/v1", "apiKey": "…"}}',
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('LLMFORGE_OPENAI_ENDPOINTS must be a JSON object keyed by endpoint name');
  }
  return Object.entries(parsed as Record<string, unknown>).map(([name, value]) =>
    namedEndpoint(name, value, env),
  );
}

function namedEndpoint(name: string, value: unknown, env: NodeJS.ProcessEnv): NamedEndpoint {
  const entry = (value ?? {}) as { baseUrl?: unknown; apiKey?: unknown; apiKeyEnv?: unknown };
  if (typeof entry.baseUrl !== 'string')
    throw new Error(`LLMFORGE_OPENAI_ENDPOINTS.${name}.baseUrl must be a URL`);
  let baseUrl: string;
  try {
    baseUrl = normalizeBaseUrl(entry.baseUrl);
  } catch {
    throw new Error(`LLMFORGE_OPENAI_ENDPOINTS.${name}.baseUrl must be an absolute http(s) URL`);
  }
  const fromEnv = typeof entry.apiKeyEnv === 'string' ? nonEmpty(env[entry.apiKeyEnv]) : null;
  const apiKey = typeof entry.apiKey === 'string' ? nonEmpty(entry.apiKey) : fromEnv;
  return { name, baseUrl, apiKey };
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

const MAX_KEY_LENGTH = 4096;

/**
 * Checks a per-run API key before anything is stored: a non-empty printable string, for a provider
 * that sends keys. The error names the field and never repeats the key.
 */
export function validateRunKey(
  apiKey: string | null | undefined,
  providerKind: string,
): string | null {
  if (apiKey == null) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a key must not contain
  if (apiKey.trim() === '' || apiKey.length > MAX_KEY_LENGTH || /[\s\x00-\x1f\x7f]/.test(apiKey)) {
    throw new ValidationError(
      'apiKey',
      `must be 1..${MAX_KEY_LENGTH} printable characters without spaces`,
    );
  }
  if (providerKind === 'SIMULATED')
    throw new ValidationError(
      'apiKey',
      'only applies to HUGGINGFACE and OPENAI_COMPATIBLE providers',
    );
  return apiKey;
}
