import type { ProviderKind } from '../types.ts';

export interface ProviderInfo {
  kind: ProviderKind;
  name: string;
  description: string;
  available: boolean;
  configured(): boolean;
  models: string[];
}

const HF_MODELS = [
  'meta-llama/Llama-3.2-1B-Instruct',
  'meta-llama/Llama-3.2-3B-Instruct',
  'meta-llama/Llama-3.1-8B-Instruct',
  'Qwen/Qwen2.5-7B-Instruct',
];

export const PROVIDER_CATALOG: readonly ProviderInfo[] = [
  {
    kind: 'SIMULATED',
    name: 'Simulated (offline)',
    description:
      'An offline oracle with noise for demos, tests and benchmarks: it knows the gold answers and answers correctly with a per-method probability, at a configurable latency. Not a model.',
    available: true,
    configured: () => true,
    models: HF_MODELS,
  },
  {
    kind: 'HUGGINGFACE',
    name: 'Hugging Face Inference',
    description: 'Hugging Face inference providers or a dedicated endpoint / TGI server; token from HF_TOKEN.',
    available: false,
    configured: () => false,
    models: HF_MODELS,
  },
  {
    kind: 'OPENAI_COMPATIBLE',
    name: 'OpenAI-compatible server',
    description: 'Any /v1/chat/completions server: vLLM, Ollama, llama.cpp server or a hosted API.',
    available: false,
    configured: () => false,
    models: [],
  },
];
