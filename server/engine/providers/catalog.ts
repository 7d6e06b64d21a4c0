import type { ProviderKind } from '../types.ts';
import type { ProviderCredentials } from './credentials.ts';

/** An endpoint named in the server configuration, as clients may see it: never its key. */
export interface EndpointInfo {
  name: string;
  baseUrl: string;
  hasKey: boolean;
}

export interface ProviderInfo {
  kind: ProviderKind;
  name: string;
  description: string;
  available: boolean;
  configured: boolean;
  models: string[];
  endpoints: EndpointInfo[];
}

const HF_MODELS = [
  'meta-llama/Llama-3.2-1B-Instruct',
  'meta-llama/Llama-3.2-3B-Instruct',
  'meta-llama/Llama-3.1-8B-Instruct',
  'Qwen/Qwen2.5-7B-Instruct',
];

/** Every provider kind and whether this server is set up for it; reveals whether keys are set, never a key. */
export function describeProviders(credentials: ProviderCredentials): ProviderInfo[] {
  return [
    {
      kind: 'SIMULATED',
      name: 'Simulated (offline)',
      description:
        'An offline oracle with noise for demos, tests and benchmarks: it knows the gold answers and answers correctly with a per-method probability, at a configurable latency. Not a model.',
      available: true,
      configured: true,
      models: HF_MODELS,
      endpoints: [],
    },
    {
      kind: 'HUGGINGFACE',
      name: 'Hugging Face Inference',
      description:
        'Hugging Face inference providers (token from HF_TOKEN, or apiKey per run), or a dedicated endpoint / TGI server at endpointUrl. HF_TOKEN is sent only to Hugging Face hosts.',
      available: true,
      configured: credentials.hfToken !== null,
      models: HF_MODELS,
      endpoints: [],
    },
    {
      kind: 'OPENAI_COMPATIBLE',
      name: 'OpenAI-compatible server',
      description:
        'Any /v1/chat/completions server: vLLM, Ollama, llama.cpp server or a hosted API. Keys come from named endpoints in LLMFORGE_OPENAI_ENDPOINTS / OPENAI_API_KEY (sent only to their own baseUrl), or apiKey per run.',
      available: true,
      configured: credentials.openAiEndpoints.length > 0,
      models: [],
      endpoints: credentials.openAiEndpoints.map(({ name, baseUrl, apiKey }) => ({
        name,
        baseUrl,
        hasKey: apiKey !== null,
      })),
    },
  ];
}
