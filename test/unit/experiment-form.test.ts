import { describe, expect, it } from 'vitest';
import { histogramBins } from '../../client/src/histogram.ts';
import { checkForm, INITIAL_FORM, type FormState } from '../../client/src/experiment-form.ts';
import { formatMs, formatPercent, formatPValue } from '../../client/src/format.ts';

const form = (changes: Partial<FormState>): FormState => ({
  ...INITIAL_FORM,
  name: 'x',
  ...changes,
});

describe('the new-experiment form', () => {
  it('should build the GraphQL input from the defaults', () => {
    expect(checkForm(form({}))).toEqual({
      errors: {},
      input: {
        name: 'x',
        description: null,
        config: {
          modelName: 'meta-llama/Llama-3.2-1B-Instruct',
          reasoningMethod: 'NAIVE',
          datasetName: 'trivia_qa',
          numSamples: 100,
          hyperparameters: { temperature: 0, maxTokens: 256, topP: 1, seed: 42 },
          provider: { kind: 'SIMULATED', latencyMs: 50, jitterMs: 0 },
          optimization: { enableBatching: false, enableCaching: false, enableProfiling: true },
        },
      },
    });
  });

  it('should send the embedding model for dense retrieval and the reranker for RERANKED, only when used', () => {
    const rag = (changes: Partial<FormState>) =>
      checkForm(form({ reasoningMethod: 'RAG', ...changes })).input?.config?.rag;
    expect(rag({ retrieval: 'BM25' })).toEqual({ retrieval: 'BM25', topK: 3 });
    expect(rag({ retrieval: 'DENSE' })).toEqual({
      retrieval: 'DENSE',
      topK: 3,
      embedding: { provider: { kind: 'SIMULATED' }, model: 'lexical-hash-384' },
    });
    expect(
      rag({
        retrieval: 'RERANKED',
        embedding: {
          provider: 'OPENAI_COMPATIBLE',
          model: 'bge-small',
          endpoint: 'http://127.0.0.1:8080/v1',
        },
        reranker: { provider: 'HUGGINGFACE', model: 'cross-encoder/ms-marco', endpoint: ' ' },
      }),
    ).toEqual({
      retrieval: 'RERANKED',
      topK: 3,
      embedding: {
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8080/v1' },
        model: 'bge-small',
      },
      reranker: {
        provider: { kind: 'HUGGINGFACE', endpointUrl: null },
        model: 'cross-encoder/ms-marco',
      },
    });
  });

  it('should require a remote embedding model and an OpenAI-compatible base URL, keyed by the server paths', () => {
    const { input, errors } = checkForm(
      form({
        reasoningMethod: 'RAG',
        retrieval: 'RERANKED',
        embedding: { provider: 'OPENAI_COMPATIBLE', model: ' ', endpoint: '' },
        reranker: { provider: 'OPENAI_COMPATIBLE', model: 'rr', endpoint: '' },
      }),
    );
    expect(input).toBeNull();
    expect(errors).toEqual({
      'config.rag.embedding.model': 'must not be empty',
      'config.rag.embedding.provider.baseUrl': 'must not be empty',
      'config.rag.reranker.provider.baseUrl': 'must not be empty',
    });
  });

  it('should key errors by the server field paths and refuse to build an input', () => {
    const { input, errors } = checkForm(
      form({
        name: ' ',
        enableBatching: true,
        batchSize: '0',
        enableCaching: true,
        cacheMaxSize: '2049',
        temperature: '2.5',
        topP: '0',
        numSamples: '1.5',
      }),
    );
    expect(input).toBeNull();
    expect(errors).toEqual({
      name: 'must not be empty',
      'config.numSamples': 'must be a whole number',
      'config.hyperparameters.temperature': 'must be between 0 and 2',
      'config.hyperparameters.topP': 'must be in (0, 1]',
      'config.optimization.batchSize': 'must be between 1 and 32',
      'config.optimization.cacheMaxSize': 'must be between 16 and 2048',
    });
  });

  it('should not check or send the size of a knob that is off', () => {
    const { input, errors } = checkForm(
      form({ enableBatching: false, batchSize: '99', enableCaching: true, cacheMaxSize: '16' }),
    );
    expect(errors).toEqual({});
    expect(input?.config?.optimization).toEqual({
      enableBatching: false,
      enableCaching: true,
      enableProfiling: true,
      cacheMaxSize: 16,
    });
  });

  it('should send agent options only with REACT and retrieval options only with RAG', () => {
    expect(
      checkForm(form({ reasoningMethod: 'REACT', maxIterations: '7', tools: ['calculator'] })).input
        ?.config,
    ).toMatchObject({
      agent: { maxIterations: 7, tools: ['calculator'] },
    });
    expect(checkForm(form({ reasoningMethod: 'REACT', tools: [] })).errors).toEqual({
      'config.agent.tools': 'needs at least one tool',
    });
    const rag = checkForm(form({ reasoningMethod: 'RAG', retrieval: 'HYBRID', topK: '5' })).input
      ?.config;
    expect(rag?.rag).toEqual({
      retrieval: 'HYBRID',
      topK: 5,
      embedding: { provider: { kind: 'SIMULATED' }, model: 'lexical-hash-384' },
    });
    expect(rag?.agent).toBeUndefined();
  });

  it('should require a base URL for an OpenAI-compatible provider and send no simulated settings', () => {
    expect(checkForm(form({ providerKind: 'OPENAI_COMPATIBLE' })).errors).toEqual({
      'config.provider.baseUrl': 'must not be empty',
    });
    expect(
      checkForm(form({ providerKind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8000/v1' }))
        .input?.config?.provider,
    ).toEqual({
      kind: 'OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
    });
  });
});

describe('the dashboard number formats', () => {
  it('should print durations, fractions and p-values', () => {
    expect([0.4213, 12.34, 987.6, 1234.5, 12_345, 125_000].map(formatMs)).toEqual([
      '0.42 ms',
      '12.3 ms',
      '988 ms',
      '1.23 s',
      '12.3 s',
      '2 min 05 s',
    ]);
    expect(formatPercent(0.625)).toBe('62.5 %');
    expect([0.04321, 0.00001234].map(formatPValue)).toEqual(['0.0432', '1.23e-5']);
  });

  it('should bin latencies into equal-width bins from the smallest to the largest', () => {
    expect(histogramBins([10, 20, 30, 40], 3)).toEqual([
      { from: 10, to: 20, count: 1 },
      { from: 20, to: 30, count: 1 },
      { from: 30, to: 40, count: 2 },
    ]);
    expect(histogramBins([5, 5], 20)).toEqual([{ from: 5, to: 6, count: 2 }]);
    expect(histogramBins([])).toEqual([]);
  });
});

describe('the prompt and graders of the new-experiment form', () => {
  it('should send the prompt version and the graders, leaving empty fields out', () => {
    const { input, errors } = checkForm(
      form({
        promptName: ' qa ',
        promptVersion: '2',
        graders: [
          { kind: 'NUMERIC', value: '42', path: '', tolerance: '0.5', weight: '' },
          { kind: 'JSON_PATH', value: '', path: '$.a', tolerance: '', weight: '2' },
        ],
      }),
    );
    expect(errors).toEqual({});
    expect(input?.config?.prompt).toEqual({ name: 'qa', version: 2 });
    expect(input?.config?.graders).toEqual([
      { kind: 'NUMERIC', value: '42', path: null, tolerance: 0.5, weight: null },
      { kind: 'JSON_PATH', value: null, path: '$.a', tolerance: null, weight: 2 },
    ]);
  });

  it('should refuse a bad version or weight beside its field', () => {
    const { input, errors } = checkForm(
      form({
        promptName: 'qa',
        promptVersion: '0',
        graders: [{ kind: 'CONTAINS', value: 'x', path: '', tolerance: '', weight: '-1' }],
      }),
    );
    expect(input).toBeNull();
    expect(errors).toEqual({
      'config.prompt.version': 'must be between 1 and 1000000',
      'config.graders[0].weight': 'must be between 0 and 1000',
    });
  });
});
