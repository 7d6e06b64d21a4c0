/**
 * A stand-in OpenAI-compatible server for tests and benchmarks — not a model. It answers
 * `POST …/chat/completions` (so both OPENAI_COMPATIBLE and HUGGINGFACE's `endpointUrl` can use it)
 * with the simulated provider's replies, so accuracy stays meaningful, after a configurable latency,
 * and misbehaves on request: random 429s and 503s with retry hints, a cap on requests in flight
 * beyond which it answers 429, unknown models, a required key, exhausted quota. It counts everything.
 * It also serves `POST …/embeddings` (batched, the simulated lexical embedding) and `POST …/rerank`
 * (Text Embeddings Inference's shape, the simulated reranker), with the same keys, model list and
 * injected failures, plus a queue of statuses to answer the next embedding requests with. Any other
 * `POST …/classify` is a Hugging Face text-classification endpoint (`endpointUrl`) scoring
 * `{ text, text_pair }` with the simulated reranker, as a cross-encoder would.
 *
 *   tsx scripts/standin-server.ts --port 8000 --latency-ms 50 --jitter-ms 10 --rate-limit-rate 0.1 \
 *     --server-error-rate 0.05 --retry-after-ms 100 --max-in-flight 4 --models a,b --api-key KEY
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createPrng } from '../server/engine/datasets/random.ts';
import { DatasetRegistry } from '../server/engine/datasets/registry.ts';
import { SimulatedProvider, type SimulatorOracle } from '../server/engine/providers/simulated.ts';
import { simulatedEmbedding } from '../server/engine/embeddings/simulated-embedding.ts';
import { SimulatedReranker } from '../server/engine/retrieval/reranker.ts';
import { promptMetadata } from './standin/prompt-metadata.ts';
import type { ChatMessage, GenerationParams } from '../server/engine/types.ts';

export interface StandinOptions {
  /** Added to every successful answer, ± jitterMs. Error answers are immediate. */
  latencyMs: number;
  jitterMs: number;
  /** Share of requests answered 429 (rate limited), with the retry hint. */
  rateLimitRate: number;
  /** Share of requests answered 503, with the retry hint. */
  serverErrorRate: number;
  /** Sent with 429 and 503 answers as `retry-after-ms` and `Retry-After` (whole seconds, rounded up); null: no hint. */
  retryAfterMs: number | null;
  /** More requests in flight than this are answered 429 at once. */
  maxInFlight: number;
  /** The models served; any other gets 404 model_not_found. null: every model. */
  models: readonly string[] | null;
  /** Requests must carry `Authorization: Bearer <apiKey>`; others get a 401 that repeats the key they sent, as some real APIs do. */
  apiKey: string | null;
  /** Every request gets 429 insufficient_quota. */
  quotaExhausted: boolean;
  /** Seeds latency jitter and the injected failures. */
  seed: number;
  /** Dimensions of the vectors `/embeddings` returns (the simulated lexical embedding). */
  embeddingDimensions: number;
  /** Statuses (429, 503, …) to answer the next embedding requests with, one each, before serving normally. */
  embeddingFailures: number[];
  /** Models whose chat replies are this fixed text instead of the simulator's (a judge that answers garbage). */
  fixedReplies: Readonly<Record<string, string>>;
  /** Statuses to answer the next text-classification (`…/classify`) requests with, one each. */
  classifyFailures: number[];
}

export interface StandinStats {
  /** Chat-completion requests received. */
  requests: number;
  inFlight: number;
  peakInFlight: number;
  ok: number;
  /** Random 429s (rateLimitRate) and quota 429s. */
  rateLimited: number;
  /** 429s because more than maxInFlight requests were in flight. */
  capRejected: number;
  serverErrors: number;
  /** 400, 401 and 404 answers. */
  clientErrors: number;
  /** Requests whose client went away before the answer. */
  aborted: number;
  /** Requests that carried the expected key. */
  authorized: number;
  /** One entry per request: when it arrived (ms after the first request) and its status (499: client went away). */
  log: { atMs: number; status: number }[];
  /** Embedding requests received (a batch is one), texts embedded in answered ones, and the size of each answered batch. */
  embeddingRequests: number;
  embeddedTexts: number;
  embeddingBatches: number[];
  rerankRequests: number;
  /** Text-classification requests received (one per (query, passage) pair). */
  classifyRequests: number;
}

export interface StandinServer {
  /** Base URL for OPENAI_COMPATIBLE (`…/v1`). */
  url: string;
  /** The origin, for HUGGINGFACE `endpointUrl`. */
  origin: string;
  readonly stats: StandinStats;
  readonly options: Readonly<StandinOptions>;
  setOptions(changes: Partial<StandinOptions>): void;
  /** Resolves as soon as `condition(stats)` holds (checked after every change of the counters). */
  until(condition: (stats: StandinStats) => boolean): Promise<void>;
  /** Stops listening and drops every connection, answering nothing more. */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<StandinOptions> {
  port?: number;
  host?: string;
  /** Where the simulated answers come from; the built-in datasets by default. */
  oracle?: SimulatorOracle;
}

export const DEFAULT_STANDIN_OPTIONS: StandinOptions = {
  latencyMs: 0,
  jitterMs: 0,
  rateLimitRate: 0,
  serverErrorRate: 0,
  retryAfterMs: null,
  maxInFlight: Number.POSITIVE_INFINITY,
  models: null,
  apiKey: null,
  quotaExhausted: false,
  seed: 1,
  embeddingDimensions: 384,
  embeddingFailures: [],
  fixedReplies: {},
  classifyFailures: [],
};

interface Failure {
  status: number;
  body: unknown;
  hint?: boolean;
}

export async function startStandinServer(start: StartOptions = {}): Promise<StandinServer> {
  const { port = 0, host = '127.0.0.1', oracle: givenOracle, ...rest } = start;
  const given = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const options: StandinOptions = { ...DEFAULT_STANDIN_OPTIONS, ...given };
  const oracle = givenOracle ?? (await DatasetRegistry.loadBuiltins());
  const simulator = new SimulatedProvider({ latencyMs: 0, jitterMs: 0, oracle });
  const reranker = new SimulatedReranker();
  const stats: StandinStats = {
    requests: 0,
    inFlight: 0,
    peakInFlight: 0,
    ok: 0,
    rateLimited: 0,
    capRejected: 0,
    serverErrors: 0,
    clientErrors: 0,
    aborted: 0,
    authorized: 0,
    log: [],
    embeddingRequests: 0,
    embeddedTexts: 0,
    embeddingBatches: [],
    rerankRequests: 0,
    classifyRequests: 0,
  };
  const watchers = new Set<{ condition: (s: StandinStats) => boolean; resolve: () => void }>();
  const changed = () => {
    for (const watcher of watchers) {
      if (watcher.condition(stats)) {
        watchers.delete(watcher);
        watcher.resolve();
      }
    }
  };
  let random = createPrng(options.seed);
  let firstRequestAt: number | null = null;
  let completions = 0;

  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const reject = (
    res: ServerResponse,
    atMs: number,
    failure: Failure,
    counter: keyof StandinStats,
  ) => {
    (stats[counter] as number) += 1;
    stats.log.push({ atMs, status: failure.status });
    answer(
      res,
      failure.status,
      failure.body,
      failure.hint ? retryHeaders(options.retryAfterMs) : {},
    );
    changed();
  };

  const handleChat = async (req: IncomingMessage, res: ServerResponse) => {
    const now = performance.now();
    firstRequestAt ??= now;
    const atMs = now - firstRequestAt;
    stats.requests += 1;
    const raw = await readBody(req);
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
    if (options.apiKey !== null && presented !== options.apiKey)
      return reject(res, atMs, unauthorized(presented), 'clientErrors');
    if (options.apiKey !== null) stats.authorized += 1;
    if (options.quotaExhausted) return reject(res, atMs, QUOTA_EXHAUSTED, 'rateLimited');
    if (stats.inFlight >= options.maxInFlight)
      return reject(res, atMs, { ...RATE_LIMITED, hint: true }, 'capRejected');
    const draw = random();
    if (draw < options.rateLimitRate)
      return reject(res, atMs, { ...RATE_LIMITED, hint: true }, 'rateLimited');
    if (draw < options.rateLimitRate + options.serverErrorRate)
      return reject(res, atMs, { ...OVERLOADED, hint: true }, 'serverErrors');
    const request = parseChatRequest(raw);
    if ('status' in request) return reject(res, atMs, request, 'clientErrors');
    if (options.models && !options.models.includes(request.model))
      return reject(res, atMs, modelNotFound(request.model), 'clientErrors');

    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    changed();
    const delay = Math.max(0, options.latencyMs + (random() * 2 - 1) * options.jitterMs);
    // Plain chat arrives here: the prompt's text is all there is to tell the simulator what is asked.
    const fixed = options.fixedReplies[request.model];
    const completion =
      fixed === undefined
        ? await simulator.complete({ ...request, metadata: promptMetadata(request.messages) })
        : { text: fixed, finishReason: 'stop' as const, tokensInput: 1, tokensOutput: 1 };
    const outcome = await waitUnlessGone(res, delay);
    stats.inFlight -= 1;
    if (outcome === 'gone') {
      stats.aborted += 1;
      stats.log.push({ atMs, status: 499 });
      changed();
      return;
    }
    stats.ok += 1;
    stats.log.push({ atMs, status: 200 });
    completions += 1;
    answer(res, 200, {
      id: `chatcmpl-standin-${completions}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: completion.text },
          finish_reason: completion.finishReason,
        },
      ],
      usage: {
        prompt_tokens: completion.tokensInput,
        completion_tokens: completion.tokensOutput,
        total_tokens: completion.tokensInput + completion.tokensOutput,
      },
    });
    changed();
  };

  const elapsed = () => {
    const now = performance.now();
    firstRequestAt ??= now;
    return now - firstRequestAt;
  };

  /** The checks every route shares: key, quota, random failures. Returns true when it answered. */
  const refused = (req: IncomingMessage, res: ServerResponse, atMs: number): boolean => {
    const presented = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const draw = random();
    let failure: [Failure, keyof StandinStats] | null = null;
    if (options.apiKey !== null && presented !== options.apiKey)
      failure = [unauthorized(presented), 'clientErrors'];
    else if (options.quotaExhausted) failure = [QUOTA_EXHAUSTED, 'rateLimited'];
    else if (draw < options.rateLimitRate)
      failure = [{ ...RATE_LIMITED, hint: true }, 'rateLimited'];
    else if (draw < options.rateLimitRate + options.serverErrorRate)
      failure = [{ ...OVERLOADED, hint: true }, 'serverErrors'];
    if (options.apiKey !== null && presented === options.apiKey) stats.authorized += 1;
    if (failure) reject(res, atMs, ...failure);
    return failure !== null;
  };

  /** Answers with the next queued status, if any. */
  const queuedFailure = (queue: number[], res: ServerResponse, atMs: number): boolean => {
    const queued = queue.shift();
    if (queued === undefined) return false;
    const failure =
      queued === 429
        ? RATE_LIMITED
        : queued === 503
          ? OVERLOADED
          : {
              status: queued,
              body: { error: { message: 'injected failure', type: 'server_error' } },
            };
    reject(
      res,
      atMs,
      { ...failure, hint: true },
      queued === 429 ? 'rateLimited' : queued >= 500 ? 'serverErrors' : 'clientErrors',
    );
    return true;
  };

  const handleClassify = async (req: IncomingMessage, res: ServerResponse) => {
    const atMs = elapsed();
    stats.classifyRequests += 1;
    const raw = await readBody(req);
    if (queuedFailure(options.classifyFailures, res, atMs)) return;
    if (refused(req, res, atMs)) return;
    const inputs = parseJsonObject(raw)?.inputs as { text?: unknown; text_pair?: unknown } | null;
    if (typeof inputs?.text !== 'string' || typeof inputs.text_pair !== 'string') {
      return reject(
        res,
        atMs,
        { status: 400, body: { error: 'inputs must be { text, text_pair }' } },
        'clientErrors',
      );
    }
    const [score] = await reranker.score(inputs.text, [inputs.text_pair]);
    stats.ok += 1;
    stats.log.push({ atMs, status: 200 });
    answer(res, 200, [[{ label: 'LABEL_0', score }]]);
    changed();
  };

  const handleEmbeddings = async (req: IncomingMessage, res: ServerResponse) => {
    const atMs = elapsed();
    stats.embeddingRequests += 1;
    const raw = await readBody(req);
    if (queuedFailure(options.embeddingFailures, res, atMs)) return;
    if (refused(req, res, atMs)) return;
    const body = parseJsonObject(raw);
    const input = typeof body?.input === 'string' ? [body.input] : body?.input;
    if (
      typeof body?.model !== 'string' ||
      !Array.isArray(input) ||
      !input.every((text) => typeof text === 'string')
    ) {
      return reject(
        res,
        atMs,
        {
          status: 400,
          body: {
            error: {
              message: 'model and input (a string or a list of strings) are required',
              type: 'invalid_request_error',
            },
          },
        },
        'clientErrors',
      );
    }
    if (options.models && !options.models.includes(body.model))
      return reject(res, atMs, modelNotFound(body.model), 'clientErrors');
    await waitUnlessGone(res, options.latencyMs);
    stats.ok += 1;
    stats.embeddedTexts += input.length;
    stats.embeddingBatches.push(input.length);
    stats.log.push({ atMs, status: 200 });
    answer(res, 200, {
      object: 'list',
      model: body.model,
      data: (input as string[]).map((text, index) => ({
        object: 'embedding',
        index,
        embedding: simulatedEmbedding(text, options.embeddingDimensions),
      })),
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
    changed();
  };

  const handleRerank = async (req: IncomingMessage, res: ServerResponse) => {
    const atMs = elapsed();
    stats.rerankRequests += 1;
    const raw = await readBody(req);
    if (refused(req, res, atMs)) return;
    const body = parseJsonObject(raw);
    if (
      typeof body?.query !== 'string' ||
      !Array.isArray(body.texts) ||
      !body.texts.every((text) => typeof text === 'string')
    ) {
      return reject(
        res,
        atMs,
        {
          status: 400,
          body: {
            error: { message: 'query and texts are required', type: 'invalid_request_error' },
          },
        },
        'clientErrors',
      );
    }
    const scores = await reranker.score(body.query, body.texts as string[]);
    stats.ok += 1;
    stats.log.push({ atMs, status: 200 });
    answer(
      res,
      200,
      scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score),
    );
    changed();
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://standin').pathname.replace(/\/+$/, '');
    const failed = (error: unknown) => {
      if (!res.headersSent)
        answer(res, 500, { error: { message: String(error), type: 'server_error' } });
    };
    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      handleChat(req, res).catch(failed);
    } else if (req.method === 'POST' && path.endsWith('/embeddings')) {
      handleEmbeddings(req, res).catch(failed);
    } else if (req.method === 'POST' && path.endsWith('/rerank')) {
      handleRerank(req, res).catch(failed);
    } else if (req.method === 'POST' && path.endsWith('/classify')) {
      handleClassify(req, res).catch(failed);
    } else if (req.method === 'GET' && path.endsWith('/models')) {
      answer(res, 200, {
        object: 'list',
        data: (options.models ?? []).map((id) => ({ id, object: 'model', owned_by: 'standin' })),
      });
    } else {
      answer(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  const origin = `http://${host}:${boundPort}`;

  return {
    url: `${origin}/v1`,
    origin,
    stats,
    options,
    setOptions(changes) {
      Object.assign(options, changes);
      if (changes.seed !== undefined) random = createPrng(changes.seed);
    },
    until(condition) {
      if (condition(stats)) return Promise.resolve();
      return new Promise((resolve) => watchers.add({ condition, resolve }));
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const RATE_LIMITED: Failure = {
  status: 429,
  body: {
    error: {
      message: 'Rate limit reached for requests. Please try again shortly.',
      type: 'requests',
      code: 'rate_limit_exceeded',
    },
  },
};
const OVERLOADED: Failure = {
  status: 503,
  body: {
    error: {
      message: 'The server is overloaded. Please retry.',
      type: 'server_error',
      code: 'overloaded',
    },
  },
};
const QUOTA_EXHAUSTED: Failure = {
  status: 429,
  body: {
    error: {
      message: 'You exceeded your current quota, please check your plan and billing details.',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    },
  },
};

function unauthorized(presented: string | null): Failure {
  const message = presented
    ? `Incorrect API key provided: ${presented}.`
    : 'You did not provide an API key.';
  return {
    status: 401,
    body: { error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } },
  };
}

function modelNotFound(model: string): Failure {
  return {
    status: 404,
    body: {
      error: {
        message: `The model \`${model}\` does not exist.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    },
  };
}

function retryHeaders(retryAfterMs: number | null): Record<string, string> {
  if (retryAfterMs === null) return {};
  return {
    'retry-after-ms': String(retryAfterMs),
    'retry-after': String(Math.ceil(retryAfterMs / 1000)),
  };
}

interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  params: GenerationParams;
}

function parseChatRequest(raw: string): ChatRequest | Failure {
  const invalid = (message: string): Failure => ({
    status: 400,
    body: { error: { message, type: 'invalid_request_error' } },
  });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return invalid('the body is not JSON');
  }
  if (typeof body.model !== 'string') return invalid('model is required');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return invalid('messages must be a non-empty list');
  const messages = body.messages as ChatMessage[];
  if (
    !messages.every(
      (m) => typeof m?.content === 'string' && ['system', 'user', 'assistant'].includes(m.role),
    )
  ) {
    return invalid('each message needs a role and a string content');
  }
  const stop =
    typeof body.stop === 'string'
      ? [body.stop]
      : Array.isArray(body.stop)
        ? (body.stop as string[])
        : [];
  return {
    model: body.model,
    messages,
    params: {
      temperature: typeof body.temperature === 'number' ? body.temperature : 1,
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : 256,
      topP: typeof body.top_p === 'number' ? body.top_p : 1,
      seed: typeof body.seed === 'number' ? body.seed : 0,
      stop,
    },
  };
}

function parseJsonObject(raw: string): Record<string, unknown> | null {
  try {
    const body: unknown = JSON.parse(raw);
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Waits `ms`, unless the client disconnects first. */
function waitUnlessGone(res: ServerResponse, ms: number): Promise<'done' | 'gone'> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve('gone');
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve('done');
    }, ms);
    res.once('close', onClose);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'rate-limit-rate': { type: 'string' },
      'server-error-rate': { type: 'string' },
      'retry-after-ms': { type: 'string' },
      'max-in-flight': { type: 'string' },
      models: { type: 'string' },
      'api-key': { type: 'string' },
      'quota-exhausted': { type: 'boolean' },
      seed: { type: 'string' },
      'embedding-dimensions': { type: 'string' },
    },
  });
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const server = await startStandinServer({
    port: Number(values.port),
    host: values.host,
    latencyMs: number(values['latency-ms']),
    jitterMs: number(values['jitter-ms']),
    rateLimitRate: number(values['rate-limit-rate']),
    serverErrorRate: number(values['server-error-rate']),
    retryAfterMs: number(values['retry-after-ms']),
    maxInFlight: number(values['max-in-flight']),
    models: values.models ? values.models.split(',') : undefined,
    apiKey: values['api-key'],
    quotaExhausted: values['quota-exhausted'],
    seed: number(values.seed),
    embeddingDimensions: number(values['embedding-dimensions']),
  });
  process.stdout.write(
    `stand-in OpenAI-compatible server at ${server.url} (HF endpointUrl: ${server.origin})\n`,
  );
  const stop = async () => {
    const { log: _log, embeddingBatches: _batches, ...counters } = server.stats;
    process.stdout.write(`${JSON.stringify(counters)}\n`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
