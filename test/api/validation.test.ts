import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';

const CREATE = `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id status } }`;
const LAUNCH = `mutation ($input: CreateExperimentInput!) { launchExperiment(input: $input) { id status } }`;
const TOTAL = `query { experiments { totalCount } }`;

const CONFIG_FIELDS = `config {
  modelName reasoningMethod datasetName numSamples
  hyperparameters { temperature maxTokens topP seed stop }
  provider { kind latencyMs jitterMs hfProvider endpointUrl baseUrl }
  optimization { enableBatching batchSize enableCaching cacheMaxSize enableProfiling }
  agent { maxIterations tools }
  rag { retrieval topK }
  pricing { inputPerMillionTokens outputPerMillionTokens }
}`;

type Input = { name?: unknown; description?: unknown; config?: Record<string, unknown> };

async function rowCount(
  t: TestApp,
  table: 'experiments' | 'attempts' | 'sample_results',
): Promise<number> {
  const rows = await t.app.orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>(`select count(*) as n from ${table}`);
  return Number(rows[0]?.n);
}

async function totalCount(t: TestApp): Promise<number> {
  const result = await t.gql<{ experiments: { totalCount: number } }>(TOTAL);
  expect(result.errors).toBeUndefined();
  return result.data!.experiments.totalCount;
}

async function expectNothingStored(t: TestApp): Promise<void> {
  expect(await totalCount(t)).toBe(0);
  expect(await rowCount(t, 'experiments')).toBe(0);
  expect(await rowCount(t, 'attempts')).toBe(0);
  expect(await rowCount(t, 'sample_results')).toBe(0);
}

/** [what is wrong, the input, the field the error must name] */
const INVALID: [string, Input, string][] = [
  // The cases of the issue.
  [
    'batchSize 0',
    { name: 'x', config: { optimization: { batchSize: 0 } } },
    'config.optimization.batchSize',
  ],
  [
    'batchSize 33',
    { name: 'x', config: { optimization: { batchSize: 33 } } },
    'config.optimization.batchSize',
  ],
  [
    'cacheMaxSize 8',
    { name: 'x', config: { optimization: { cacheMaxSize: 8 } } },
    'config.optimization.cacheMaxSize',
  ],
  [
    'temperature 3',
    { name: 'x', config: { hyperparameters: { temperature: 3 } } },
    'config.hyperparameters.temperature',
  ],
  [
    'an unknown dataset',
    { name: 'x', config: { datasetName: 'no_such_dataset' } },
    'config.datasetName',
  ],
  ['numSamples 0', { name: 'x', config: { numSamples: 0 } }, 'config.numSamples'],
  ['an empty name', { name: '' }, 'name'],
  // More limits of LIMITS.
  ['a name of 256 characters', { name: 'n'.repeat(256) }, 'name'],
  [
    'a description of 10 001 characters',
    { name: 'x', description: 'd'.repeat(10_001) },
    'description',
  ],
  [
    'maxTokens 0',
    { name: 'x', config: { hyperparameters: { maxTokens: 0 } } },
    'config.hyperparameters.maxTokens',
  ],
  [
    'maxTokens 32769',
    { name: 'x', config: { hyperparameters: { maxTokens: 32_769 } } },
    'config.hyperparameters.maxTokens',
  ],
  [
    'topP 0',
    { name: 'x', config: { hyperparameters: { topP: 0 } } },
    'config.hyperparameters.topP',
  ],
  [
    'topP 1.5',
    { name: 'x', config: { hyperparameters: { topP: 1.5 } } },
    'config.hyperparameters.topP',
  ],
  ['numSamples 100001', { name: 'x', config: { numSamples: 100_001 } }, 'config.numSamples'],
  [
    'cacheMaxSize 2049',
    { name: 'x', config: { optimization: { cacheMaxSize: 2049 } } },
    'config.optimization.cacheMaxSize',
  ],
  [
    'an agent config with NAIVE',
    { name: 'x', config: { reasoningMethod: 'NAIVE', agent: { maxIterations: 5 } } },
    'config.agent',
  ],
  [
    'an unknown knowledge base',
    { name: 'x', config: { reasoningMethod: 'COT', rag: { knowledgeBase: 'nope' } } },
    'config.rag.knowledgeBase',
  ],
  [
    'sampling topK 0',
    { name: 'x', config: { hyperparameters: { topK: 0 } } },
    'config.hyperparameters.topK',
  ],
  [
    'sampling topK 1001',
    { name: 'x', config: { hyperparameters: { topK: 1001 } } },
    'config.hyperparameters.topK',
  ],
  [
    'sampling topK with OPENAI_COMPATIBLE (it takes none)',
    {
      name: 'x',
      config: {
        hyperparameters: { topK: 40 },
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:1/v1' },
      },
    },
    'config.hyperparameters.topK',
  ],
  [
    'agent maxIterations 21 with REACT',
    { name: 'x', config: { reasoningMethod: 'REACT', agent: { maxIterations: 21 } } },
    'config.agent.maxIterations',
  ],
  [
    'rag topK 0 with RAG',
    { name: 'x', config: { reasoningMethod: 'RAG', rag: { topK: 0 } } },
    'config.rag.topK',
  ],
  [
    'an unknown agent tool',
    {
      name: 'x',
      config: { reasoningMethod: 'REACT', agent: { tools: ['calculator', 'browser'] } },
    },
    'config.agent.tools',
  ],
  [
    'OPENAI_COMPATIBLE without baseUrl',
    { name: 'x', config: { provider: { kind: 'OPENAI_COMPATIBLE' } } },
    'config.provider.baseUrl',
  ],
  [
    'a baseUrl of ftp://x',
    { name: 'x', config: { provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'ftp://x' } } },
    'config.provider.baseUrl',
  ],
  [
    'latencyMs on an OPENAI_COMPATIBLE provider',
    {
      name: 'x',
      config: {
        provider: { kind: 'OPENAI_COMPATIBLE', baseUrl: 'http://127.0.0.1:8000/v1', latencyMs: 10 },
      },
    },
    'config.provider.latencyMs',
  ],
  [
    'HUGGINGFACE with both hfProvider and endpointUrl',
    {
      name: 'x',
      config: {
        provider: {
          kind: 'HUGGINGFACE',
          hfProvider: 'novita',
          endpointUrl: 'https://example.com/tgi',
        },
      },
    },
    'config.provider.hfProvider',
  ],
];

describe('invalid experiment input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  it.each(INVALID)(
    'should refuse %s in createExperiment and launchExperiment, naming the field, and store nothing',
    async (_case, input, field) => {
      for (const mutation of [CREATE, LAUNCH]) {
        const result = await t.gql(mutation, { input });
        expect(result.data).toBeNull();
        expect(result.errors).toHaveLength(1);
        const [error] = result.errors!;
        expect(error!.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error!.extensions?.field).toBe(field);
        expect(error!.message.startsWith(`${field}: `)).toBe(true);
        await expectNothingStored(t);
      }
    },
  );

  it.each([
    // GraphQL over HTTP: the legacy JSON media type answers 200, the GraphQL response media type 400.
    ['application/json', 200],
    ['application/graphql-response+json', 400],
  ])('should refuse a syntax error (accept %s → %i) and change nothing', async (accept, status) => {
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({
        query: 'mutation { createExperiment(input: { name: "broken" ) { id } }',
      }),
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.message).toMatch(/^Syntax Error/);
    await expectNothingStored(t);
  });

  it('should refuse a variable of the wrong type with an error and change nothing', async () => {
    const result = await t.gql(CREATE, {
      input: { name: 'wrong type', config: { numSamples: 'ten' } },
    });
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toContain('numSamples');
    expect(result.errors![0]!.message).toContain('Int cannot represent');
    await expectNothingStored(t);
  });

  it('should refuse a create without the required name with an error and change nothing', async () => {
    const result = await t.gql(CREATE, { input: { config: { numSamples: 5 } } });
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.message).toContain('"name"');
    await expectNothingStored(t);
  });
});

describe('valid experiment input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  async function create(input: Input) {
    const result = await t.gql(
      `mutation ($input: CreateExperimentInput!) { createExperiment(input: $input) { id name description status currentAttempt progress { done total failed } ${CONFIG_FIELDS} } }`,
      { input },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.createExperiment;
  }

  it('should fill in every default when no config is given', async () => {
    const experiment = await create({ name: 'all defaults' });
    expect(experiment.name).toBe('all defaults');
    expect(experiment.description).toBeNull();
    expect(experiment.status).toBe('PENDING');
    expect(experiment.currentAttempt).toBe(0);
    expect(experiment.progress).toEqual({ done: 0, total: 100, failed: 0 });
    expect(experiment.config).toEqual({
      modelName: 'meta-llama/Llama-3.2-1B-Instruct',
      reasoningMethod: 'NAIVE',
      datasetName: 'trivia_qa',
      numSamples: 100,
      hyperparameters: { temperature: 0, maxTokens: 256, topP: 1, seed: 42, stop: [] },
      provider: {
        kind: 'SIMULATED',
        latencyMs: 50,
        jitterMs: 0,
        hfProvider: null,
        endpointUrl: null,
        baseUrl: null,
      },
      optimization: {
        enableBatching: false,
        batchSize: 8,
        enableCaching: false,
        cacheMaxSize: 256,
        enableProfiling: true,
      },
      agent: null,
      rag: null,
      pricing: null,
    });
    // Stored, not only echoed: a fresh read gives the same configuration.
    const read = await t.gql(`query ($id: ID!) { experiment(id: $id) { ${CONFIG_FIELDS} } }`, {
      id: experiment.id,
    });
    expect(read.errors).toBeUndefined();
    expect(read.data!.experiment.config).toEqual(experiment.config);
  });

  it('should accept the lower boundary values and store them', async () => {
    const experiment = await create({
      name: 'n',
      description: 'd'.repeat(10_000),
      config: {
        numSamples: 1,
        hyperparameters: { temperature: 0, maxTokens: 1, topP: 0.000001 },
        optimization: { enableBatching: true, batchSize: 1, enableCaching: true, cacheMaxSize: 16 },
      },
    });
    expect(experiment.status).toBe('PENDING');
    expect(experiment.description).toHaveLength(10_000);
    expect(experiment.config.numSamples).toBe(1);
    expect(experiment.config.hyperparameters).toEqual({
      temperature: 0,
      maxTokens: 1,
      topP: 0.000001,
      seed: 42,
      stop: [],
    });
    expect(experiment.config.optimization).toEqual({
      enableBatching: true,
      batchSize: 1,
      enableCaching: true,
      cacheMaxSize: 16,
      enableProfiling: true,
    });
  });

  it('should accept the upper boundary values and store them', async () => {
    const experiment = await create({
      name: 'u'.repeat(255),
      config: {
        datasetName: 'arithmetic',
        numSamples: 100_000,
        hyperparameters: { temperature: 2, maxTokens: 32_768, topP: 1 },
        optimization: {
          enableBatching: true,
          batchSize: 32,
          enableCaching: true,
          cacheMaxSize: 2048,
        },
      },
    });
    expect(experiment.name).toHaveLength(255);
    expect(experiment.config.datasetName).toBe('arithmetic');
    expect(experiment.config.numSamples).toBe(100_000);
    expect(experiment.progress).toEqual({ done: 0, total: 100_000, failed: 0 });
    expect(experiment.config.hyperparameters).toEqual({
      temperature: 2,
      maxTokens: 32_768,
      topP: 1,
      seed: 42,
      stop: [],
    });
    expect(experiment.config.optimization).toEqual({
      enableBatching: true,
      batchSize: 32,
      enableCaching: true,
      cacheMaxSize: 2048,
      enableProfiling: true,
    });
  });

  it('should fill in the agent defaults for REACT and the rag defaults for RAG', async () => {
    const react = await create({
      name: 'react',
      config: { reasoningMethod: 'REACT', agent: { maxIterations: 20 } },
    });
    expect(react.config.agent).toEqual({ maxIterations: 20, tools: ['calculator', 'search'] });
    expect(react.config.rag).toBeNull();
    const rag = await create({ name: 'rag', config: { reasoningMethod: 'RAG' } });
    expect(rag.config.rag).toEqual({ retrieval: 'BM25', topK: 3 });
    expect(rag.config.agent).toBeNull();
  });

  it('should store exactly one experiment per accepted create', async () => {
    const before = await totalCount(t);
    await create({ name: 'one more' });
    expect(await totalCount(t)).toBe(before + 1);
    expect(await rowCount(t, 'experiments')).toBe(before + 1);
    expect(await rowCount(t, 'attempts')).toBe(0);
  });
});
