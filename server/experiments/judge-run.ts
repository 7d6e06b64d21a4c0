import type { EntityManager } from '@mikro-orm/knex';
import { Attempt } from '../db/entities/attempt.entity.ts';
import { Experiment } from '../db/entities/experiment.entity.ts';
import { SampleResult } from '../db/entities/sample-result.entity.ts';
import { createPrng, randomIndex } from '../engine/datasets/random.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import { ResponseCache, type PersistentCacheStore } from '../engine/cache/response-cache.ts';
import {
  LIMITS,
  rangeMessage,
  inRange,
  validateJudgeMetric,
  type JudgeMetricConfig,
  type JudgeMetricInput,
} from '../engine/experiment-config.ts';
import { callJudge, type JudgeTarget } from '../engine/metrics/judge-call.ts';
import { judgeMessages, judgeScore } from '../engine/metrics/judged.ts';
import { meanInterval, type MeanInterval } from '../engine/metrics/model-graded.ts';
import type { ConcurrencyWindows } from '../engine/providers/adaptive-limiter.ts';
import type { BreakerRegistry } from '../engine/providers/circuit-breaker.ts';
import type { ProviderCredentials } from '../engine/providers/credentials.ts';
import { createProvider, providerEndpoint } from '../engine/providers/index.ts';
import { errorMessage } from '../engine/runner.ts';
import type { Example } from '../engine/types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { SecretScrubber } from '../secrets.ts';

/** One judged result of a judgeExperiment run. */
export interface JudgedResult {
  sampleIndex: number;
  exampleId: string;
  question: string;
  expectedAnswer: string;
  answer: string;
  /** (rawScore − 1) / (scale − 1); null when the judge failed or its reply was unusable (see error). */
  score: number | null;
  rawScore: number | null;
  error: string | null;
  /** The judge's messages (JSON text) and reply. */
  prompt: string;
  reply: string | null;
  /** Where the reply came from; null when the provider answered this run. */
  cacheTier: string | null;
}

/** What judgeExperiment stores with the attempt and returns. */
export interface JudgeRunReport {
  experimentId: string;
  attempt: number;
  judge: JudgeMetricConfig;
  /** Results asked for; the run judges min(sampleSize, results without an error). */
  sampleSize: number;
  seed: number;
  samples: JudgedResult[];
  aggregate: MeanInterval | null;
  /** Judge calls that reached the provider (0 when every reply came from the cache). */
  apiCalls: number;
  cacheHits: number;
  judgedAt: string;
}

export interface JudgeRunDeps {
  datasets: DatasetRegistry;
  credentials?: ProviderCredentials;
  /** The persistent response-cache tier: a repeated run is answered from it without a call. */
  responseCache?: PersistentCacheStore;
  secrets: SecretScrubber;
  limiters: ConcurrencyWindows;
  breakers: BreakerRegistry;
}

export interface JudgeRunInput {
  experimentId: string;
  /** Default: the latest attempt. */
  attempt?: number | null;
  sampleSize: number;
  judge: JudgeMetricInput;
  /** Picks the results; default: the experiment's generation seed. */
  seed?: number | null;
}

/** Judge calls in flight at once during one run. */
const JUDGE_CONCURRENCY = 4;

/**
 * Runs an LLM judge over a seeded random sample of a finished attempt's results (after the fact, no
 * re-generation) and stores the report with the attempt, replacing the previous one. Every call goes
 * through a response cache backed by the persistent tier, so the same run again makes no provider call.
 */
export async function judgeExperiment(
  em: EntityManager,
  deps: JudgeRunDeps,
  input: JudgeRunInput,
): Promise<JudgeRunReport> {
  // Input first: bad input changes nothing, whatever the experiment's state.
  if (!Number.isInteger(input.sampleSize) || !inRange(input.sampleSize, LIMITS.judgeSampleSize))
    throw new ValidationError('sampleSize', rangeMessage(LIMITS.judgeSampleSize));
  if (input.seed != null && (!Number.isInteger(input.seed) || !inRange(input.seed, LIMITS.seed)))
    throw new ValidationError('seed', rangeMessage(LIMITS.seed));
  const judge = validateJudgeMetric(input.judge, 'judge');
  const experiment = await em.findOne(Experiment, { id: input.experimentId });
  if (!experiment) throw new NotFoundError('Experiment', input.experimentId);
  const number = input.attempt ?? experiment.currentAttempt;
  const attempt =
    number > 0 ? await em.findOne(Attempt, { experiment: experiment.id, number }) : null;
  if (!attempt) {
    if (input.attempt != null) throw new NotFoundError('Attempt', String(input.attempt));
    throw new ConflictError(`experiment ${experiment.id} has not run yet: nothing to judge`);
  }
  if (attempt.status !== 'COMPLETED')
    throw new ConflictError(
      `attempt ${attempt.number} of experiment ${experiment.id} is ${attempt.status.toLowerCase()}: only a completed attempt can be judged`,
    );
  const seed = input.seed ?? experiment.config.hyperparameters.seed;
  const eligible = (
    await em.find(
      SampleResult,
      { attempt: attempt.id, error: null },
      { fields: ['sampleIndex'], orderBy: { sampleIndex: 'asc' } },
    )
  ).map((row) => row.sampleIndex);
  const chosen = seededSample(eligible, input.sampleSize, seed);
  const rows = await em.find(
    SampleResult,
    { attempt: attempt.id, sampleIndex: { $in: chosen } },
    { orderBy: { sampleIndex: 'asc' } },
  );

  const target: JudgeTarget = {
    provider: createProvider(judge.provider, {
      oracle: deps.datasets,
      credentials: deps.credentials,
      limiters: deps.limiters,
      breakers: deps.breakers,
      secrets: deps.secrets,
    }),
    model: judge.model,
    endpoint: providerEndpoint(judge.provider),
  };
  const cache = new ResponseCache(Math.max(16, rows.length), deps.responseCache ?? null);
  let apiCalls = 0;
  const judgeOne = async (row: SampleResult): Promise<JudgedResult> => {
    const example: Example = deps.datasets.findExample(experiment.config.datasetName, row.exampleId)
      ?.example ?? {
      id: row.exampleId,
      question: row.question,
      answer: row.expectedAnswer,
      aliases: [],
    };
    const sample = {
      question: row.question,
      answer: row.parsedAnswer ?? '',
      example,
      passages: null,
    };
    let reply: string | null = null;
    let tier: string | null = null;
    const base = {
      sampleIndex: row.sampleIndex,
      exampleId: row.exampleId,
      question: row.question,
      expectedAnswer: row.expectedAnswer,
      answer: sample.answer,
      prompt: JSON.stringify(judgeMessages(sample, judge.rubric, judge.scale)),
    };
    try {
      const { value } = await judgeScore(sample, judge, async (messages, metadata) => {
        const answer = await callJudge(
          target,
          cache,
          {
            messages,
            metadata,
            subject: { dataset: experiment.config.datasetName, exampleId: row.exampleId },
            seed,
          },
          {
            onProviderCall: () => {
              apiCalls += 1;
            },
          },
        );
        reply = answer.text;
        tier = answer.cacheTier;
        return answer;
      });
      return {
        ...base,
        score: value.score,
        rawScore: value.raw,
        error: null,
        reply,
        cacheTier: tier,
      };
    } catch (error) {
      return {
        ...base,
        score: null,
        rawScore: null,
        error: errorMessage(error, deps.secrets.scrub),
        reply,
        cacheTier: tier,
      };
    }
  };
  const samples = await mapPooled(rows, JUDGE_CONCURRENCY, judgeOne);
  const report: JudgeRunReport = {
    experimentId: experiment.id,
    attempt: attempt.number,
    judge,
    sampleSize: input.sampleSize,
    seed,
    samples,
    aggregate: meanInterval(samples.flatMap((s) => (s.score === null ? [] : [s.score]))),
    apiCalls,
    cacheHits: cache.stats().hits,
    judgedAt: new Date().toISOString(),
  };
  attempt.judgeRun = report;
  await em.flush();
  return report;
}

/** `size` of `items` (all when fewer), chosen by a seeded partial Fisher–Yates shuffle, in their original order. */
export function seededSample(items: readonly number[], size: number, seed: number): number[] {
  const pool = [...items];
  const random = createPrng(seed);
  const take = Math.min(size, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + randomIndex(random, pool.length - i);
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}

async function mapPooled<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
