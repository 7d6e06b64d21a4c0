import { randomUUID } from 'node:crypto';
import { Repeater } from 'graphql-yoga';
import type { Database } from '../db/orm.ts';
import { cacheKey } from '../engine/cache/cache-key.ts';
import { ResponseCache, type PersistentCacheStore } from '../engine/cache/response-cache.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import {
  generationMessages,
  generationMetadata,
  KeptPairs,
  parseGeneratedReply,
  pickChunks,
  REJECTION_REASONS,
  SYNTHETIC_PROMPT_VERSION,
  toExample,
  validatePairs,
  type ChunkOutcome,
  type Rejection,
  type RejectionReason,
} from '../engine/datasets/synthetic.ts';
import {
  checkedInteger,
  DEFAULTS,
  LIMITS,
  validateGenerator,
  type ModelEndpointConfig,
  type ModelEndpointInput,
} from '../engine/experiment-config.ts';
import type { ConcurrencyWindows } from '../engine/providers/adaptive-limiter.ts';
import type { BreakerRegistry } from '../engine/providers/circuit-breaker.ts';
import type { ProviderCredentials } from '../engine/providers/credentials.ts';
import { createProvider, providerEndpoint } from '../engine/providers/index.ts';
import type { Passage } from '../engine/retrieval/knowledge-base.ts';
import type { Example, GenerationParams, Provider } from '../engine/types.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SecretScrubber } from '../secrets.ts';
import { datasetName, refuseTakenName, storeDataset } from './dataset-imports.ts';

export type GenerationStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** What the generator cost: provider calls made, replies served from the cache, tokens of the calls made. */
export interface GenerationUsage {
  calls: number;
  cacheHits: number;
  retries: number;
  tokensInput: number;
  tokensOutput: number;
  wallTimeMs: number;
}

/** A generation job as it stands (the mutation's answer, the query's, and every event's body). */
export interface GenerationState {
  id: string;
  status: GenerationStatus;
  knowledgeBase: string;
  datasetName: string;
  pairsPerChunk: number;
  maxChunks: number;
  seed: number;
  generator: ModelEndpointConfig;
  chunksTotal: number;
  chunksDone: number;
  pairsAccepted: number;
  pairsRejected: number;
  rejections: Partial<Record<RejectionReason, number>>;
  /** Why it FAILED; null otherwise. */
  error: string | null;
  usage: GenerationUsage;
  startedAt: string;
  finishedAt: string | null;
}

/** One event of a job: its state after a step, and what the step was (a chunk, or none for start and end). */
export interface GenerationEvent extends GenerationState {
  /** 1, 2, … per job. */
  seq: number;
  at: string;
  chunk: {
    chunkId: string;
    documentId: string;
    accepted: number;
    rejected: Rejection[];
  } | null;
}

export interface GenerateDatasetInput {
  knowledgeBase: string;
  pairsPerChunk?: number | null;
  maxChunks?: number | null;
  seed?: number | null;
  generator?: ModelEndpointInput | null;
  name?: string | null;
}

export interface GenerationDeps {
  orm: Database;
  datasets: DatasetRegistry;
  logger: Logger;
  credentials?: ProviderCredentials;
  /** The persistent tier of the response cache, shared with experiments. */
  responseCache?: PersistentCacheStore;
  secrets: SecretScrubber;
  limiters: ConcurrencyWindows;
  breakers: BreakerRegistry;
}

/** Generator calls in flight at once (each remote endpoint's adaptive window may allow fewer). */
const CONCURRENCY = 4;
/** Finished jobs remembered for the query and late subscribers; older ones are forgotten first. */
const FINISHED_JOBS_KEPT = 100;
const CACHE_ENTRIES = 1024;
/** Tokens the generator may write per pair asked for. */
const TOKENS_PER_PAIR = 160;

interface Job {
  state: GenerationState;
  events: GenerationEvent[];
  listeners: Set<(event: GenerationEvent) => void>;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Synthetic datasets from knowledge bases, generated in the background: `start` checks the input
 * and returns at once; progress is published per chunk to the job's subscribers; the pairs kept
 * are stored as an imported KNOWLEDGE dataset. Jobs live in this process's memory (one service per
 * app); a restart forgets running jobs, and nothing of an unfinished job is stored.
 */
export class DatasetGenerations {
  private readonly jobs = new Map<string, Job>();
  /** Names of datasets that running jobs will store, so two jobs never race for one name. */
  private readonly reserved = new Set<string>();

  constructor(private readonly deps: GenerationDeps) {}

  start(input: GenerateDatasetInput): GenerationState {
    const kbName = input.knowledgeBase.trim();
    const knowledgeBase = this.deps.datasets.knowledgeBases.get(kbName);
    if (!knowledgeBase) throw new NotFoundError('knowledge base', kbName);
    const d = DEFAULTS.generation;
    const pairsPerChunk = checkedInteger(
      input.pairsPerChunk ?? d.pairsPerChunk,
      LIMITS.pairsPerChunk,
      'pairsPerChunk',
    );
    const maxChunks = checkedInteger(input.maxChunks ?? d.maxChunks, LIMITS.maxChunks, 'maxChunks');
    const seed = checkedInteger(input.seed ?? d.seed, LIMITS.seed, 'seed');
    const generator = validateGenerator(input.generator ?? {}, 'generator');
    const name =
      input.name == null ? this.defaultName(kbName, seed) : datasetName(input.name, 'name');
    refuseTakenName(this.deps.datasets, name);
    if (this.reserved.has(name))
      throw new ConflictError(`a running dataset generation will store a dataset named "${name}"`);
    // Building the knowledge base's index is the first use for a corpus nobody has retrieved from yet.
    const chunks = pickChunks(knowledgeBase.index().passages, maxChunks, seed);
    const provider = createProvider(generator.provider, {
      oracle: this.deps.datasets,
      credentials: this.deps.credentials,
      limiters: this.deps.limiters,
      breakers: this.deps.breakers,
      secrets: this.deps.secrets,
    });
    const state: GenerationState = {
      id: randomUUID(),
      status: 'RUNNING',
      knowledgeBase: kbName,
      datasetName: name,
      pairsPerChunk,
      maxChunks,
      seed,
      generator,
      chunksTotal: chunks.length,
      chunksDone: 0,
      pairsAccepted: 0,
      pairsRejected: 0,
      rejections: {},
      error: null,
      usage: { calls: 0, cacheHits: 0, retries: 0, tokensInput: 0, tokensOutput: 0, wallTimeMs: 0 },
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    const job: Job = {
      state,
      events: [],
      listeners: new Set(),
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.jobs.set(state.id, job);
    this.reserved.add(name);
    this.publish(job, null);
    job.done = this.run(job, chunks, provider).finally(() => {
      this.reserved.delete(name);
      this.forgetOldJobs();
    });
    return { ...state };
  }

  get(id: string): GenerationState | undefined {
    const job = this.jobs.get(id);
    return job ? { ...job.state } : undefined;
  }

  /** Every event of the job with a larger seq (all by default), then live ones; ends after COMPLETED or FAILED. */
  events(id: string, after = 0): AsyncIterable<GenerationEvent> {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError('dataset generation', id);
    return new Repeater<GenerationEvent>(async (push, stop) => {
      // Replay and subscribe in one synchronous step, so no event falls between them.
      for (const event of job.events) if (event.seq > after) void push(event);
      if (job.state.status !== 'RUNNING') {
        stop();
        return;
      }
      const listener = (event: GenerationEvent) => {
        void push(event);
        if (event.status !== 'RUNNING') stop();
      };
      job.listeners.add(listener);
      await stop;
      job.listeners.delete(listener);
    });
  }

  /** Stops every running job (they end FAILED, storing nothing) and waits for them. */
  async shutdown(): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.state.status === 'RUNNING');
    for (const job of running) job.abort.abort(new Error('server shutting down'));
    await Promise.all(running.map((job) => job.done));
  }

  private defaultName(knowledgeBase: string, seed: number): string {
    const base = `${knowledgeBase.slice(0, 70)}-synthetic-s${seed}`;
    let name = base;
    for (let n = 2; this.deps.datasets.get(name) || this.reserved.has(name); n++)
      name = `${base}-${n}`;
    return name;
  }

  private async run(job: Job, chunks: Passage[], provider: Provider): Promise<void> {
    const { state } = job;
    const started = performance.now();
    const kept = new KeptPairs();
    const examples: Example[] = [];
    let lastCallError: string | null = null;
    try {
      const replies: Promise<Reply>[] = [];
      const call = this.caller(job, provider);
      for (let index = 0; index < chunks.length; index++) {
        // Up to CONCURRENCY calls ahead; replies are judged in chunk order, so the result never depends on timing.
        while (replies.length < Math.min(chunks.length, index + CONCURRENCY))
          replies.push(call(chunks[replies.length] as Passage));
        const reply = await (replies[index] as Promise<Reply>);
        job.abort.signal.throwIfAborted();
        const chunk = chunks[index] as Passage;
        const outcome = judge(chunk, reply, state.pairsPerChunk, kept);
        if ('error' in reply) lastCallError = reply.error;
        for (const pair of outcome.accepted)
          examples.push(toExample(pair, chunk, examples.length, state.knowledgeBase));
        state.chunksDone += 1;
        state.pairsAccepted += outcome.accepted.length;
        state.pairsRejected += outcome.rejected.length;
        for (const { reason } of outcome.rejected)
          state.rejections[reason] = (state.rejections[reason] ?? 0) + 1;
        state.usage.wallTimeMs = Math.round(performance.now() - started);
        this.publish(job, {
          chunkId: chunk.id,
          documentId: chunk.articleId,
          accepted: outcome.accepted.length,
          rejected: outcome.rejected,
        });
      }
      if (examples.length === 0) {
        throw new Error(
          lastCallError && state.rejections.CALL_FAILED === state.pairsRejected
            ? `every generator call failed; last error: ${lastCallError}`
            : `no generated pair passed validation (${describeRejections(state.rejections)})`,
        );
      }
      const { generator } = state;
      await storeDataset(this.deps.orm.em.fork(), this.deps.datasets, {
        name: state.datasetName,
        description: `Generated from knowledge base "${state.knowledgeBase}" by ${generator.provider.kind} ${generator.model}: ${examples.length} pairs from ${chunks.length} chunks (seed ${state.seed}, ${state.pairsPerChunk} per chunk).`,
        format: 'SYNTH',
        kind: 'KNOWLEDGE',
        examples,
      });
      this.end(job, 'COMPLETED', null, started);
    } catch (error) {
      const message = this.deps.secrets.scrub(
        error instanceof Error ? error.message : String(error),
      );
      this.end(job, 'FAILED', message, started);
    }
  }

  /** One generator call through the response cache (memory, then the shared persistent tier), the retry layer and the endpoint's limiter. */
  private caller(job: Job, provider: Provider): (chunk: Passage) => Promise<Reply> {
    const { state } = job;
    const cache = new ResponseCache(CACHE_ENTRIES, this.deps.responseCache ?? null);
    const params: GenerationParams = {
      temperature: 0,
      maxTokens: TOKENS_PER_PAIR * state.pairsPerChunk,
      topP: 1,
      seed: state.seed,
      stop: [],
    };
    const endpoint = providerEndpoint(state.generator.provider);
    return async (chunk) => {
      const messages = generationMessages(chunk, state.pairsPerChunk);
      const key = cacheKey({
        providerKind: provider.kind,
        endpoint,
        model: state.generator.model,
        messages,
        params,
        methodVersion: SYNTHETIC_PROMPT_VERSION,
      });
      try {
        const hit = await cache.lookup(key);
        if (hit) {
          state.usage.cacheHits += 1;
          return { text: hit.completion.text };
        }
        const fetched = await cache.fetchOnce(key, async () => {
          const start = performance.now();
          state.usage.calls += 1;
          const completion = await provider.complete({
            model: state.generator.model,
            messages,
            params,
            metadata: generationMetadata(chunk, state.pairsPerChunk),
            signal: job.abort.signal,
          });
          return { completion, latencyMs: performance.now() - start };
        });
        if (fetched.tier) {
          state.usage.cacheHits += 1;
        } else {
          state.usage.retries += fetched.completion.retries ?? 0;
          state.usage.tokensInput += fetched.completion.tokensInput;
          state.usage.tokensOutput += fetched.completion.tokensOutput;
        }
        return { text: fetched.completion.text };
      } catch (error) {
        return {
          error: this.deps.secrets.scrub(error instanceof Error ? error.message : String(error)),
        };
      }
    };
  }

  private end(job: Job, status: GenerationStatus, error: string | null, started: number): void {
    const { state } = job;
    state.status = status;
    state.error = error;
    state.finishedAt = new Date().toISOString();
    state.usage.wallTimeMs = Math.round(performance.now() - started);
    this.deps.logger[status === 'FAILED' ? 'warn' : 'info']('dataset generation ended', {
      id: state.id,
      status,
      dataset: state.datasetName,
      chunks: state.chunksDone,
      accepted: state.pairsAccepted,
      rejected: state.pairsRejected,
      ...state.usage,
      error,
    });
    this.publish(job, null);
  }

  private publish(job: Job, chunk: GenerationEvent['chunk']): void {
    const event: GenerationEvent = {
      ...job.state,
      rejections: { ...job.state.rejections },
      usage: { ...job.state.usage },
      seq: job.events.length + 1,
      at: new Date().toISOString(),
      chunk,
    };
    job.events.push(event);
    for (const listener of job.listeners) listener(event);
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.state.status !== 'RUNNING');
    for (const job of finished.slice(0, Math.max(0, finished.length - FINISHED_JOBS_KEPT)))
      this.jobs.delete(job.state.id);
  }
}

type Reply = { text: string } | { error: string };

/** The pairs of one chunk's reply kept and rejected; a failed call or an unparseable reply loses every pair asked for. */
function judge(chunk: Passage, reply: Reply, count: number, kept: KeptPairs): ChunkOutcome {
  const lost = (reason: RejectionReason, detail: string): ChunkOutcome => ({
    chunk,
    accepted: [],
    rejected: Array.from({ length: count }, () => ({ reason, detail })),
  });
  if ('error' in reply) return lost('CALL_FAILED', reply.error);
  const items = parseGeneratedReply(reply.text);
  if (items === null)
    return lost(
      'UNPARSEABLE',
      `the reply holds no JSON list of pairs: ${JSON.stringify(reply.text.slice(0, 120))}`,
    );
  return validatePairs(chunk, items, count, kept);
}

function describeRejections(rejections: GenerationState['rejections']): string {
  const parts = REJECTION_REASONS.filter((reason) => rejections[reason]).map(
    (reason) => `${reason} ${rejections[reason]}`,
  );
  return parts.length === 0 ? 'the generator returned no pairs' : parts.join(', ');
}
