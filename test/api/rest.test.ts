import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';
import { watchSamples } from '../helpers/watch-samples.ts';

/** A small RFC 4180 parser: quoted fields may hold commas, CR/LF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  expect(quoted).toBe(false);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('the RFC 4180 test parser', () => {
  it('should read quoted commas, newlines and doubled quotes', () => {
    expect(parseCsv('a,b,c\r\n"x, y","line 1\r\nline 2","say ""hi"""\r\n,,\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'line 1\r\nline 2', 'say "hi"'],
      ['', '', ''],
    ]);
  });
});

const PHASE_KEYS = ['count', 'total_ms', 'mean_ms', 'p50_ms', 'p95_ms', 'p99_ms'];

function expectPhaseShape(phase: Record<string, unknown>): void {
  expect(Object.keys(phase).sort()).toEqual([...PHASE_KEYS].sort());
  for (const key of PHASE_KEYS) expect(typeof phase[key]).toBe('number');
}

/** Every name and type of the REST profile body. */
function expectProfileShape(body: Record<string, any>): void {
  expect(typeof body.experiment_id).toBe('string');
  expect(typeof body.profiling_summary).toBe('object');
  expect(body.profiling_summary).not.toBeNull();
  for (const phase of Object.values(body.profiling_summary))
    expectPhaseShape(phase as Record<string, unknown>);
  for (const key of ['hits', 'misses', 'hit_rate', 'size', 'max_size', 'total_latency_saved_ms']) {
    expect(typeof body.cache_stats[key]).toBe('number');
  }
  for (const key of ['batches_processed', 'total_prompts_batched'])
    expect(typeof body.batch_stats[key]).toBe('number');
  expect(typeof body.total_wall_time_ms).toBe('number');
}

describe('the REST shim', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.dispose());

  async function json(
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; type: string | null; body: any }> {
    const response = await t.fetch(path, init);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: await response.json(),
    };
  }

  it('should answer 404 with a JSON error for the profile of an unknown experiment', async () => {
    const id = randomUUID();
    const { status, type, body } = await json(`/api/v1/results/${id}/profile`);
    expect(status).toBe(404);
    expect(type).toMatch(/^application\/json/);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe('NOT_FOUND');
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message).toContain(id);
  });

  it('should answer 404 with a JSON error for the results and export of an unknown experiment and for an unknown route', async () => {
    for (const path of [
      `/api/v1/results/${randomUUID()}`,
      `/api/v1/results/${randomUUID()}/export?format=csv`,
      '/api/v1/nothing',
    ]) {
      const { status, body } = await json(path);
      expect(status).toBe(404);
      expect(body.error.code).toBe('NOT_FOUND');
      expect(typeof body.error.message).toBe('string');
    }
  });

  it('should serve the REST profile with zeros for a pending experiment', async () => {
    const created = await t.gql(
      `mutation { createExperiment(input: { name: "pending", config: { numSamples: 5 } }) { id } }`,
    );
    const id = created.data!.createExperiment.id;
    const { status, body } = await json(`/api/v1/results/${id}/profile`);
    expect(status).toBe(200);
    expectProfileShape(body);
    expect(body).toMatchObject({
      experiment_id: id,
      status: 'PENDING',
      cache_stats: { hits: 0, misses: 0, hit_rate: 0, size: 0, total_latency_saved_ms: 0 },
      batch_stats: { batches_processed: 0, total_prompts_batched: 0 },
      total_wall_time_ms: 0,
    });
    expect(body.profiling_summary.api_call).toEqual({
      count: 0,
      total_ms: 0,
      mean_ms: 0,
      p50_ms: 0,
      p95_ms: 0,
      p99_ms: 0,
    });
  });

  it('should serve a live profile while the experiment runs and the final one after it', async () => {
    const samples = watchSamples(t);
    const id = await launch(t, 'live profile', {
      datasetName: 'trivia_qa',
      numSamples: 40,
      provider: { kind: 'SIMULATED', latencyMs: 100 },
      optimization: { enableBatching: true, batchSize: 4 },
    });
    await samples.until(id, 1);
    samples.stop();

    const live = await json(`/api/v1/results/${id}/profile`);
    expect(live.status).toBe(200);
    expectProfileShape(live.body);
    expect(live.body.experiment_id).toBe(id);
    expect(live.body.status).toBe('RUNNING');
    expect(live.body.profiling_summary.api_call.count).toBeGreaterThan(0);
    expect(live.body.profiling_summary.api_call.count).toBeLessThan(40);
    expect(live.body.total_wall_time_ms).toBeGreaterThan(0);

    expect(await t.waitForEnd(id)).toBe('COMPLETED');
    const final = await json(`/api/v1/results/${id}/profile`);
    expect(final.status).toBe(200);
    expectProfileShape(final.body);
    const { body } = final;
    expect(body.status).toBe('COMPLETED');
    expect(body.api_calls).toBe(40);
    expect(body.profiling_summary.api_call.count).toBe(40);
    expect(Object.keys(body.profiling_summary).sort()).toEqual([
      'api_call',
      'metrics',
      'parsing',
      'prompt_build',
    ]);
    expect(body.batch_stats.batches_processed).toBe(Math.ceil(body.api_calls / 4));
    expect(body.batch_stats.batches_processed).toBe(10);
    expect(body.batch_stats.total_prompts_batched).toBe(40);
    expect(body.batch_stats.batch_size).toBe(4);
    expect(body.batch_stats.peak_concurrency).toBe(4);
    expect(body.total_wall_time_ms).toBeGreaterThan(live.body.total_wall_time_ms);

    // The same numbers as GraphQL.
    const gql = await t.gql(
      `query ($id: ID!) { experiment(id: $id) { profile { totalWallTimeMs batchStats { batchesProcessed totalPromptsBatched } } } }`,
      { id },
    );
    expect(gql.data!.experiment.profile).toEqual({
      totalWallTimeMs: body.total_wall_time_ms,
      batchStats: { batchesProcessed: 10, totalPromptsBatched: 40 },
    });
  });

  describe('results and exports of a completed experiment', () => {
    const NUM_SAMPLES = 12;
    let id: string;
    beforeAll(async () => {
      id = await launch(t, 'export me, "quoted"', {
        datasetName: 'trivia_qa',
        reasoningMethod: 'COT',
        numSamples: NUM_SAMPLES,
        provider: { kind: 'SIMULATED', latencyMs: 0 },
      });
      expect(await t.waitForEnd(id)).toBe('COMPLETED');
    });

    it('should give the metrics in snake_case, equal to the GraphQL ones', async () => {
      const { status, body } = await json(`/api/v1/results/${id}`);
      expect(status).toBe(200);
      const gql = await t.gql(
        `query ($id: ID!) { experiment(id: $id) { metrics { samples failed accuracyExact accuracySubstring accuracyAny f1Mean latencyMean latencyP50 latencyP95 latencyP99 throughput tokensInput tokensOutput estimatedCostUsd grading { failureModes { mode count } } } } }`,
        { id },
      );
      const m = gql.data!.experiment.metrics;
      expect(body.experiment_id).toBe(id);
      expect(body.status).toBe('COMPLETED');
      expect(body.progress).toEqual({ done: NUM_SAMPLES, total: NUM_SAMPLES, failed: 0 });
      expect(body.metrics).toEqual({
        samples: m.samples,
        failed: m.failed,
        accuracy_exact: m.accuracyExact,
        accuracy_substring: m.accuracySubstring,
        accuracy_any: m.accuracyAny,
        f1_mean: m.f1Mean,
        latency_mean: m.latencyMean,
        latency_p50: m.latencyP50,
        latency_p95: m.latencyP95,
        latency_p99: m.latencyP99,
        throughput: m.throughput,
        tokens_input: m.tokensInput,
        tokens_output: m.tokensOutput,
        estimated_cost_usd: m.estimatedCostUsd,
        grading: {
          graders: [],
          weighted_score: null,
          failure_modes: Object.fromEntries(
            m.grading.failureModes.map((f: { mode: string; count: number }) => [
              f.mode.toLowerCase(),
              f.count,
            ]),
          ),
        },
      });
      expect(body.metrics.samples).toBe(NUM_SAMPLES);
      expect(body.config.reasoning_method).toBe('COT');
      expect(body.config.num_samples).toBe(NUM_SAMPLES);
      expect(body.config.optimization.batch_size).toBe(8);
    });

    it('should export every sample as JSON', async () => {
      const response = await t.fetch(`/api/v1/results/${id}/export?format=json`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="export_me_quoted_-attempt1.json"',
      );
      const body = await response.json();
      expect(body.experiment_id).toBe(id);
      expect(body.attempt).toBe(1);
      expect(body.dataset_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(body.metrics.samples).toBe(NUM_SAMPLES);
      expect(body.samples).toHaveLength(NUM_SAMPLES);
      expect(body.samples.map((s: { sample_index: number }) => s.sample_index)).toEqual([
        ...Array(NUM_SAMPLES).keys(),
      ]);
      for (const sample of body.samples) {
        expect(typeof sample.example_id).toBe('string');
        expect(sample.example_id).toMatch(/^tq\d+$/);
        expect(typeof sample.parsed_answer).toBe('string');
        expect(typeof sample.correct).toBe('boolean');
        expect(typeof sample.f1).toBe('number');
        expect(typeof sample.latency_ms).toBe('number');
        expect(sample.raw_output).toContain('Therefore, the answer is');
        expect(Array.isArray(sample.prompt)).toBe(true);
        expect(sample.prompt.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
        expect(sample.prompt[1].content).toContain(`Question: ${sample.question}`);
        expect(sample.error).toBeNull();
      }
      const correct = body.samples.filter((s: { correct: boolean }) => s.correct).length;
      expect(correct / NUM_SAMPLES).toBe(body.metrics.accuracy_any);
    });

    it('should export every sample as RFC 4180 CSV with the same values as the JSON export', async () => {
      const response = await t.fetch(`/api/v1/results/${id}/export?format=csv`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      const text = await response.text();
      expect(text.endsWith('\r\n')).toBe(true);
      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual([
        'sample_index',
        'example_id',
        'question',
        'expected_answer',
        'parsed_answer',
        'raw_output',
        'exact_match',
        'substring_match',
        'correct',
        'f1',
        'matched_alias',
        'tokens_input',
        'tokens_output',
        'latency_ms',
        'cache_hit',
        'cache_tier',
        'error',
        'retries',
        'trace',
        'metadata',
        'grades',
        'failure_mode',
        'semantic_similarity',
        'semantic_similarity_error',
        'faithfulness',
        'hallucinated',
        'faithfulness_error',
        'context_relevance',
        'context_relevance_error',
        'judge_score',
        'judge_raw_score',
        'judge_error',
      ]);
      expect(rows).toHaveLength(NUM_SAMPLES);
      for (const row of rows) expect(row).toHaveLength(header!.length);

      const exported = (await (await t.fetch(`/api/v1/results/${id}/export?format=json`)).json())
        .samples;
      const records = rows.map((row) =>
        Object.fromEntries(header!.map((name, i) => [name, row[i]])),
      );
      records.forEach((record, i) => {
        const sample = exported[i];
        expect(record.sample_index).toBe(String(i));
        expect(record.example_id).toBe(sample.example_id);
        expect(record.question).toBe(sample.question);
        expect(record.expected_answer).toBe(sample.expected_answer);
        expect(record.parsed_answer).toBe(sample.parsed_answer);
        expect(record.raw_output).toBe(sample.raw_output);
        expect(record.correct).toBe(String(sample.correct));
        expect(Number(record.f1)).toBe(sample.f1);
        expect(Number(record.latency_ms)).toBe(sample.latency_ms);
        expect(record.matched_alias).toBe(sample.matched_alias ?? '');
        expect(record.error).toBe('');
      });
      // The export really exercised quoting: multi-line reasoning and commas inside fields.
      expect(records.every((r) => r.raw_output!.includes('\n'))).toBe(true);
      expect(records.some((r) => Object.values(r).some((v) => v!.includes(',')))).toBe(true);
    });

    it('should refuse an unknown export format with 400 BAD_USER_INPUT JSON', async () => {
      for (const path of [
        `/api/v1/results/${id}/export?format=xml`,
        `/api/v1/results/${id}/export?attempt=abc`,
      ]) {
        const { status, type, body } = await json(path);
        expect(status).toBe(400);
        expect(type).toMatch(/^application\/json/);
        expect(body.error.code).toBe('BAD_USER_INPUT');
        expect(typeof body.error.message).toBe('string');
      }
    });

    it.each(['POST', 'PUT', 'DELETE'])(
      'should refuse %s on a REST path with 405',
      async (method) => {
        for (const path of [`/api/v1/results/${id}`, `/api/v1/results/${id}/profile`]) {
          const { status, body } = await json(path, { method });
          expect(status).toBe(405);
          expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
        }
        // Nothing changed.
        expect((await json(`/api/v1/results/${id}`)).body.status).toBe('COMPLETED');
      },
    );
  });

  it('should answer /healthz with status ok', async () => {
    const { status, body } = await json('/healthz');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', role: 'all', database: { ok: true }, redis: null });
  });

  it('should serve an HTML page at /', async () => {
    const response = await t.fetch('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('LlmForge');
  });
});
