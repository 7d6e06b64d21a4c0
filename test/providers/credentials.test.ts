import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialsFromEnv,
  environmentKeyFor,
  hfTokenFor,
} from '../../server/engine/providers/credentials.ts';
import { SecretScrubber } from '../../server/secrets.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

describe('provider keys from the server environment', () => {
  it('should read HF_TOKEN, named endpoints (inline key or another variable) and OPENAI_API_KEY', () => {
    const credentials = credentialsFromEnv({
      HF_TOKEN: ' hf_token_value ',
      LLMFORGE_OPENAI_ENDPOINTS: JSON.stringify({
        vllm: { baseUrl: 'http://127.0.0.1:8000/v1/' },
        groq: { baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_KEY' },
        inline: { baseUrl: 'https://example.com/v1', apiKey: 'inline-key' },
      }),
      GROQ_KEY: 'groq-key',
      OPENAI_API_KEY: 'openai-key',
    });
    expect(credentials).toEqual({
      hfToken: 'hf_token_value',
      openAiEndpoints: [
        { name: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: null },
        { name: 'groq', baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'groq-key' },
        { name: 'inline', baseUrl: 'https://example.com/v1', apiKey: 'inline-key' },
        { name: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'openai-key' },
      ],
    });
  });

  it('should refuse malformed endpoint configuration at start-up', () => {
    expect(() => credentialsFromEnv({ LLMFORGE_OPENAI_ENDPOINTS: '{nope' })).toThrow(
      'LLMFORGE_OPENAI_ENDPOINTS must be JSON: {"name": {"baseUrl": "http://…/v1", "apiKey": "…"}}',
    );
    expect(() =>
      credentialsFromEnv({ LLMFORGE_OPENAI_ENDPOINTS: '{"x": {"baseUrl": "not a url"}}' }),
    ).toThrow('LLMFORGE_OPENAI_ENDPOINTS.x.baseUrl must be an absolute http(s) URL');
  });

  it('should send an environment key only to its own base URL and HF_TOKEN only to Hugging Face hosts', () => {
    const credentials = credentialsFromEnv({
      HF_TOKEN: 'hf_token_value',
      LLMFORGE_OPENAI_ENDPOINTS:
        '{"local": {"baseUrl": "http://127.0.0.1:8000/v1", "apiKey": "local-key"}}',
    });
    expect(environmentKeyFor('http://127.0.0.1:8000/v1/', credentials)).toBe('local-key');
    expect(environmentKeyFor('http://127.0.0.1:8001/v1', credentials)).toBeNull();
    expect(environmentKeyFor('http://127.0.0.1:8000/v2', credentials)).toBeNull();
    expect(hfTokenFor({ endpointUrl: null }, credentials)).toBe('hf_token_value');
    expect(
      hfTokenFor(
        { endpointUrl: 'https://abc.us-east-1.aws.endpoints.huggingface.cloud' },
        credentials,
      ),
    ).toBe('hf_token_value');
    expect(hfTokenFor({ endpointUrl: 'http://127.0.0.1:8080' }, credentials)).toBeNull();
    expect(
      hfTokenFor({ endpointUrl: 'https://huggingface.cloud.attacker.example' }, credentials),
    ).toBeNull();
  });
});

describe('scrubbing secrets from text', () => {
  it('should remove registered keys, bearer tokens and key-shaped strings, and leave other text alone', () => {
    const secrets = new SecretScrubber();
    const scrubSecrets = secrets.scrub;
    secrets.register('registered-secret-value');
    expect(scrubSecrets('the key registered-secret-value was refused')).toBe(
      'the key [redacted] was refused',
    );
    expect(scrubSecrets('Authorization: Bearer abc.DEF-123_xyz')).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(scrubSecrets('Incorrect API key provided: sk-proj-AbCdEf0123456789xyz.')).toBe(
      'Incorrect API key provided: [redacted].',
    );
    expect(scrubSecrets('token hf_abcdefghijklmnopqrstuvwxyz used')).toBe('token [redacted] used');
    expect(scrubSecrets('GET /v1/models?api_key=abc123&x=1')).toBe(
      'GET /v1/models?api_key=[redacted]&x=1',
    );
    expect(scrubSecrets('HTTP 404 Not Found: The model `sk-model` does not exist.')).toBe(
      'HTTP 404 Not Found: The model `sk-model` does not exist.',
    );
  });

  it('should keep the keys of one app to that app: two scrubbers share nothing', () => {
    const first = new SecretScrubber();
    const second = new SecretScrubber();
    first.register('first-app-secret');
    expect(first.scrub('uses first-app-secret')).toBe('uses [redacted]');
    expect(second.scrub('uses first-app-secret')).toBe('uses first-app-secret');
  });
});

describe('the providers query and remote provider settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      providerCredentials: {
        hfToken: 'hf_query_test_token_value',
        openAiEndpoints: [
          { name: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: null },
          {
            name: 'hosted',
            baseUrl: 'https://api.example.com/v1',
            apiKey: 'sk-hosted-query-test-key',
          },
        ],
      },
    });
  });
  afterAll(() => t.dispose());

  it('should say which providers are configured and list named endpoints without revealing a key', async () => {
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ providers { kind available configured endpoints { name baseUrl hasKey } } }',
      }),
    });
    const text = await response.text();
    expect(JSON.parse(text).data.providers).toEqual([
      { kind: 'SIMULATED', available: true, configured: true, endpoints: [] },
      { kind: 'HUGGINGFACE', available: true, configured: true, endpoints: [] },
      {
        kind: 'OPENAI_COMPATIBLE',
        available: true,
        configured: true,
        endpoints: [
          { name: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', hasKey: false },
          { name: 'hosted', baseUrl: 'https://api.example.com/v1', hasKey: true },
        ],
      },
    ]);
    expect(text).not.toContain('hf_query_test_token_value');
    expect(text).not.toContain('sk-hosted-query-test-key');
  });

  it('should report nothing configured when the environment holds no keys', async () => {
    const bare = await createTestApp();
    try {
      const { data } = await bare.gql('{ providers { kind configured } }');
      expect(data!.providers).toEqual([
        { kind: 'SIMULATED', configured: true },
        { kind: 'HUGGINGFACE', configured: false },
        { kind: 'OPENAI_COMPATIBLE', configured: false },
      ]);
    } finally {
      await bare.dispose();
    }
  });

  it('should fail a Hugging Face router run at once and clearly when there is no token', async () => {
    const bare = await createTestApp();
    try {
      const launched =
        await bare.gql(`mutation { launchExperiment(input: { name: "no token", config: { numSamples: 2,
        provider: { kind: HUGGINGFACE } } }) { id } }`);
      const id = launched.data!.launchExperiment.id as string;
      expect(await bare.waitForEnd(id)).toBe('FAILED');
      const { data } = await bare.gql(
        `query ($id: ID!) { experiment(id: $id) { error progress { done } } }`,
        { id },
      );
      expect(data!.experiment).toEqual({
        error:
          'provider HUGGINGFACE cannot run: the Hugging Face router needs a token: set HF_TOKEN on the server or pass apiKey to runExperiment',
        progress: { done: 0 },
      });
    } finally {
      await bare.dispose();
    }
  });

  it('should fill in and validate the per-call timeout and attempt cap of remote providers', async () => {
    const create = (provider: Record<string, unknown>) =>
      t.gql(
        `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) {
        config { provider { kind baseUrl timeoutMs maxAttempts latencyMs } } } }`,
        { input: { name: 'p', config: { provider } } },
      );
    const defaults = await create({
      kind: 'OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
    });
    expect(defaults.data!.createExperiment.config.provider).toEqual({
      kind: 'OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
      timeoutMs: 60_000,
      maxAttempts: 8,
      latencyMs: null,
    });
    const set = await create({
      kind: 'HUGGINGFACE',
      endpointUrl: 'http://127.0.0.1:8080',
      timeoutMs: 500,
      maxAttempts: 2,
    });
    expect(set.data!.createExperiment.config.provider).toMatchObject({
      kind: 'HUGGINGFACE',
      timeoutMs: 500,
      maxAttempts: 2,
    });
    const refusals = [
      [
        { kind: 'SIMULATED', timeoutMs: 500 },
        'config.provider.timeoutMs: only applies to HUGGINGFACE and OPENAI_COMPATIBLE',
      ],
      [
        { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://x/v1', maxAttempts: 0 },
        'config.provider.maxAttempts: must be between 1 and 10',
      ],
      [
        { kind: 'HUGGINGFACE', timeoutMs: 5 },
        'config.provider.timeoutMs: must be between 10 and 600000',
      ],
    ] as const;
    for (const [provider, message] of refusals) {
      const result = await create(provider);
      expect(result.errors?.[0]?.message).toBe(message);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
