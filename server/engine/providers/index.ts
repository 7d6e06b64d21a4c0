import { AppError } from '../../errors.ts';
import type { ProviderConfig } from '../config.ts';
import type { Provider } from '../types.ts';
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated.ts';

export interface ProviderDeps {
  oracle: SimulatedProviderOptions['oracle'];
}

export class ProviderUnavailableError extends AppError {
  constructor(kind: string) {
    super(`provider ${kind} is not available in this build yet; use SIMULATED`, 'PROVIDER_UNAVAILABLE', { kind });
  }
}

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  switch (config.kind) {
    case 'SIMULATED':
      return new SimulatedProvider({ latencyMs: config.latencyMs, jitterMs: config.jitterMs, oracle: deps.oracle });
    default:
      throw new ProviderUnavailableError(config.kind);
  }
}

/** Where requests go, as part of the cache key: two endpoints serving the same model name may differ. */
export function providerEndpoint(config: ProviderConfig): string | null {
  switch (config.kind) {
    case 'SIMULATED':
      return null;
    case 'HUGGINGFACE':
      return config.endpointUrl ?? `hf:${config.hfProvider ?? 'auto'}`;
    case 'OPENAI_COMPATIBLE':
      return config.baseUrl;
  }
}
