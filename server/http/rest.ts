import type { Database } from '../db/orm.ts';
import type { Experiment } from '../db/entities/experiment.entity.ts';
import type { SampleResult } from '../db/entities/sample-result.entity.ts';
import { emptyProfile, type OptimizationProfile } from '../engine/optimization-profile.ts';
import { AppError } from '../errors.ts';
import type { ExperimentService } from '../experiments/experiment-service.ts';
import { csvLine, snakeCaseKeys } from './format.ts';

export interface RestDeps {
  orm: Database;
  experiments: ExperimentService;
}

type Handler = (match: RegExpMatchArray, url: URL, deps: RestDeps) => Promise<Response>;

const ROUTES: [RegExp, Handler][] = [
  [/^\/api\/v1\/results\/([^/]+)\/profile$/, profileHandler],
  [/^\/api\/v1\/results\/([^/]+)\/export$/, exportHandler],
  [/^\/api\/v1\/results\/([^/]+)$/, resultsHandler],
];

/** The REST shim: read-only JSON views in snake_case. Returns null for paths it does not own. */
export async function handleRest(
  request: Request,
  url: URL,
  deps: RestDeps,
): Promise<Response | null> {
  if (!url.pathname.startsWith('/api/v1/')) return null;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return jsonError(
      405,
      'METHOD_NOT_ALLOWED',
      'the REST API is read-only; use GraphQL mutations at /graphql',
    );
  }
  for (const [pattern, handler] of ROUTES) {
    const match = url.pathname.match(pattern);
    if (!match) continue;
    try {
      return await handler(match, url, deps);
    } catch (error) {
      if (error instanceof AppError)
        return jsonError(error.code === 'NOT_FOUND' ? 404 : 400, error.code, error.message);
      throw error;
    }
  }
  return jsonError(404, 'NOT_FOUND', `no route ${url.pathname}`);
}

async function profileHandler(
  match: RegExpMatchArray,
  _url: URL,
  deps: RestDeps,
): Promise<Response> {
  const em = deps.orm.em.fork();
  const experiment = await deps.experiments.getOrFail(em, pathId(match));
  const profile =
    (await deps.experiments.profile(em, experiment)) ?? emptyProfile(experiment.config);
  return Response.json({
    experiment_id: experiment.id,
    status: experiment.status,
    attempt: experiment.currentAttempt,
    ...profileBody(profile),
  });
}

async function resultsHandler(
  match: RegExpMatchArray,
  _url: URL,
  deps: RestDeps,
): Promise<Response> {
  const em = deps.orm.em.fork();
  const experiment = await deps.experiments.getOrFail(em, pathId(match));
  const [progress, metrics] = await Promise.all([
    deps.experiments.progress(em, experiment),
    deps.experiments.metrics(em, experiment),
  ]);
  return Response.json({
    experiment_id: experiment.id,
    ...experimentSummary(experiment),
    progress,
    metrics: metrics ? snakeCaseKeys(metrics) : null,
  });
}

const CSV_COLUMNS = [
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
] as const;

/** All sample results of one attempt (latest by default), streamed page by page as JSON or CSV. */
async function exportHandler(match: RegExpMatchArray, url: URL, deps: RestDeps): Promise<Response> {
  const em = deps.orm.em.fork();
  const experiment = await deps.experiments.getOrFail(em, pathId(match));
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new AppError('format must be json or csv', 'BAD_USER_INPUT');
  const attemptParam = url.searchParams.get('attempt');
  const attempt = attemptParam === null ? experiment.currentAttempt : Number(attemptParam);
  if (!Number.isInteger(attempt) || attempt < 0)
    throw new AppError('attempt must be a whole number', 'BAD_USER_INPUT');
  if (
    attemptParam !== null &&
    !(await deps.experiments.attempts(em, experiment)).some((a) => a.number === attempt)
  ) {
    throw new AppError(
      `experiment has no attempt ${attempt}; its attempts are numbered 1 to ${experiment.currentAttempt}`,
      'NOT_FOUND',
    );
  }
  const rows = sampleRows(deps, experiment, attempt);
  const filename = `${safeFilename(experiment.name)}-attempt${attempt}.${format}`;
  const body =
    format === 'csv' ? csvStream(rows) : await jsonStream(deps, experiment, attempt, rows);
  return new Response(body, {
    headers: {
      'content-type':
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
    },
  });
}

async function* sampleRows(
  deps: RestDeps,
  experiment: Experiment,
  attempt: number,
): AsyncGenerator<Record<string, unknown>> {
  let after: string | null = null;
  for (;;) {
    const em = deps.orm.em.fork();
    const page = await deps.experiments.samples(em, experiment, { attempt, first: 1000, after });
    for (const sample of page.nodes) yield sampleRow(sample);
    if (!page.hasNextPage) return;
    after = page.endCursor;
  }
}

function sampleRow(sample: SampleResult): Record<string, unknown> {
  return {
    sample_index: sample.sampleIndex,
    example_id: sample.exampleId,
    question: sample.question,
    expected_answer: sample.expectedAnswer,
    parsed_answer: sample.parsedAnswer,
    raw_output: sample.rawOutput,
    exact_match: sample.exactMatch,
    substring_match: sample.substringMatch,
    correct: sample.correct,
    f1: sample.f1,
    matched_alias: sample.matchedAlias,
    tokens_input: sample.tokensInput,
    tokens_output: sample.tokensOutput,
    latency_ms: sample.latencyMs,
    cache_hit: sample.cacheHit,
    cache_tier: sample.cacheTier,
    error: sample.error,
    retries: sample.retries,
    timings: sample.timings,
    prompt: JSON.parse(sample.prompt) as unknown,
    trace: sample.trace,
    metadata: sample.metadata,
    grades: sample.grades,
    failure_mode: sample.failureMode,
    semantic_similarity:
      typeof sample.modelMetrics?.semanticSimilarity === 'number'
        ? sample.modelMetrics.semanticSimilarity
        : null,
    semantic_similarity_error:
      typeof sample.modelMetrics?.semanticSimilarityError === 'string'
        ? sample.modelMetrics.semanticSimilarityError
        : null,
    faithfulness: modelMetric(sample, 'faithfulness', 'number'),
    hallucinated: modelMetric(sample, 'hallucinated', 'boolean'),
    faithfulness_error: modelMetric(sample, 'faithfulnessError', 'string'),
    context_relevance: modelMetric(sample, 'contextRelevance', 'number'),
    context_relevance_error: modelMetric(sample, 'contextRelevanceError', 'string'),
    judge_score: modelMetric(sample, 'judge', 'number'),
    judge_raw_score: modelMetric(sample, 'judgeRaw', 'number'),
    judge_error: modelMetric(sample, 'judgeError', 'string'),
    judge_prompt: modelMetric(sample, 'judgePrompt', 'string'),
    judge_reply: modelMetric(sample, 'judgeReply', 'string'),
  };
}

/** A model-graded value of a sample when stored with the expected type, else null. */
function modelMetric(sample: SampleResult, field: string, kind: 'number' | 'boolean' | 'string') {
  const value = sample.modelMetrics?.[field];
  return typeof value === kind ? value : null;
}

function csvStream(rows: AsyncGenerator<Record<string, unknown>>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS)));
        return;
      }
      const next = await rows.next();
      if (next.done) controller.close();
      else
        controller.enqueue(
          encoder.encode(csvLine(CSV_COLUMNS.map((column) => next.value[column]))),
        );
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}

async function jsonStream(
  deps: RestDeps,
  experiment: Experiment,
  attemptNumber: number,
  rows: AsyncGenerator<Record<string, unknown>>,
): Promise<ReadableStream<Uint8Array>> {
  const em = deps.orm.em.fork();
  const attempt =
    (await deps.experiments.attempts(em, experiment)).find((a) => a.number === attemptNumber) ??
    null;
  const head = JSON.stringify({
    experiment_id: experiment.id,
    ...experimentSummary(experiment),
    attempt: attemptNumber,
    dataset_hash: attempt?.datasetHash ?? null,
    manifest_hash: attempt?.manifestHash ?? null,
    metrics: attempt?.metrics ? snakeCaseKeys(attempt.metrics) : null,
  });
  const encoder = new TextEncoder();
  let count = 0;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode(`${head.slice(0, -1)},"samples":[`));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) {
        controller.enqueue(encoder.encode(']}'));
        controller.close();
        return;
      }
      controller.enqueue(
        encoder.encode(`${count++ === 0 ? '' : ','}${JSON.stringify(next.value)}`),
      );
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}

function experimentSummary(experiment: Experiment) {
  return {
    name: experiment.name,
    description: experiment.description,
    status: experiment.status,
    error: experiment.error,
    current_attempt: experiment.currentAttempt,
    config: snakeCaseKeys(experiment.config),
    created_at: experiment.createdAt.toISOString(),
    started_at: experiment.startedAt?.toISOString() ?? null,
    completed_at: experiment.completedAt?.toISOString() ?? null,
  };
}

/** The profile body of GET /api/v1/results/<id>/profile: snake_case, phases keyed by name. */
export function profileBody(profile: OptimizationProfile) {
  return {
    profiling_summary: snakeCaseKeys(profile.profilingSummary),
    cache_stats: snakeCaseKeys(profile.cacheStats),
    batch_stats: snakeCaseKeys(profile.batchStats),
    total_wall_time_ms: profile.totalWallTimeMs,
    api_calls: profile.apiCalls,
    profiling_enabled: profile.profilingEnabled,
    warnings: profile.warnings,
    concurrency_changes: snakeCaseKeys(profile.concurrencyChanges ?? []),
  };
}

/** The id in the path, decoded; malformed percent-encoding is the client's mistake, not a crash. */
function pathId(match: RegExpMatchArray): string {
  try {
    return decodeURIComponent(match[1] as string);
  } catch {
    throw new AppError('the id in the path has malformed percent-encoding', 'BAD_USER_INPUT');
  }
}

function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

function safeFilename(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'experiment';
}
