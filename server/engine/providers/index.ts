import { AppError } from '../../errors.ts';
import type { SecretScrubber } from '../../secrets.ts';
import type {
  HuggingFaceProviderConfig,
  OpenAiCompatibleProviderConfig,
  ProviderConfig,
  RemoteCallConfig,
} from '../experiment-config.ts';
import type { Provider } from '../types.ts';
import type { ConcurrencyWindows } from './adaptive-limiter.ts';
import type { BreakerRegistry } from './circuit-breaker.ts';
import {
  environmentKeyFor,
  hfTokenFor,
  NO_CREDENTIALS,
  type ProviderCredentials,
} from './credentials.ts';
import { HuggingFaceTransport } from './huggingface.ts';
import { OpenAiCompatibleTransport } from './openai-compatible.ts';
import { RemoteProvider, type ChatTransport } from './remote-provider.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated.ts';

export interface ProviderDeps {
  oracle: SimulatedProviderOptions['oracle'];
  /** Keys from the server environment. */
  credentials?: ProviderCredentials;
  /** The key passed with this run (runExperiment's `apiKey`), held in memory only. */
  apiKey?: string | null;
  /** The attempt was started with a per-run key that a restart has since wiped from memory. */
  runKeyLost?: boolean;
  /** Adaptive concurrency windows, one per endpoint, shared by every attempt of the app (or, in a cluster, every worker). */
  limiters: ConcurrencyWindows;
  /** Circuit breakers, one per endpoint, shared by every attempt of the app. */
  breakers: BreakerRegistry;
  /** The app's scrubber: every key a provider uses is registered with it, and replies are scrubbed with it. */
  secrets: SecretScrubber;
}

/** What finding a key needs: also used for embedding models and rerankers. */
export type KeyDeps = Pick<ProviderDeps, 'credentials' | 'apiKey' | 'runKeyLost'> & {
  secrets: Pick<SecretScrubber, 'register'>;
};

/** The provider cannot be used as configured (e.g. a key it needs is missing); the attempt fails with this message. */
export class ProviderUnavailableError extends AppError {
  constructor(kind: string, reason: string) {
    super(`provider ${kind} cannot run: ${reason}`, 'PROVIDER_UNAVAILABLE', { kind });
  }
}

export function createProvider(config: ProviderConfig, deps: ProviderDeps): Provider {
  switch (config.kind) {
    case 'SIMULATED':
      return new SimulatedProvider({
        latencyMs: config.latencyMs,
        jitterMs: config.jitterMs,
        oracle: deps.oracle,
      });
    case 'HUGGINGFACE':
      return remote(config, new HuggingFaceTransport(config, huggingFaceToken(config, deps)), deps);
    case 'OPENAI_COMPATIBLE':
      return remote(
        config,
        new OpenAiCompatibleTransport(config.baseUrl, openAiKey(config, deps)),
        deps,
      );
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

function remote(
  config: HuggingFaceProviderConfig | OpenAiCompatibleProviderConfig,
  transport: ChatTransport,
  deps: ProviderDeps,
): Provider {
  const endpoint = providerEndpoint(config) as string;
  return new RemoteProvider(
    config.kind,
    transport,
    retryPolicy(config),
    deps.limiters.for(endpoint),
    deps.breakers.for(endpoint),
    deps.secrets,
  );
}

export function retryPolicy(config: Partial<RemoteCallConfig>): RetryPolicy {
  return {
    ...DEFAULT_RETRY_POLICY,
    timeoutMs: config.timeoutMs ?? DEFAULT_RETRY_POLICY.timeoutMs,
    maxAttempts: config.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
  };
}

export function openAiKey(config: OpenAiCompatibleProviderConfig, deps: KeyDeps): string | null {
  const key = deps.apiKey ?? environmentKeyFor(config.baseUrl, deps.credentials ?? NO_CREDENTIALS);
  if (!key && deps.runKeyLost) throw lostKey(config.kind, config.baseUrl);
  deps.secrets.register(key);
  return key;
}

export function huggingFaceToken(config: HuggingFaceProviderConfig, deps: KeyDeps): string | null {
  const token = deps.apiKey ?? hfTokenFor(config, deps.credentials ?? NO_CREDENTIALS);
  if (!token && deps.runKeyLost)
    throw lostKey(config.kind, config.endpointUrl ?? 'the Hugging Face router');
  if (!token && !config.endpointUrl) {
    throw new ProviderUnavailableError(
      config.kind,
      'the Hugging Face router needs a token: set HF_TOKEN on the server or pass apiKey to runExperiment',
    );
  }
  deps.secrets.register(token);
  return token;
}

function lostKey(kind: string, endpoint: string): ProviderUnavailableError {
  return new ProviderUnavailableError(
    kind,
    `this attempt was started with a per-run apiKey, which is held in memory only and was lost when the server restarted, and the server environment has no key for ${endpoint}; run the experiment again with apiKey`,
  );
}
