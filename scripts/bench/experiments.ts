import type { BenchOptions, FollowMode } from './args.ts';
import { TERMINAL, type BenchClient, type SampleDetail, type StreamEvent } from './client.ts';

export interface Optimization {
  enableBatching?: boolean;
  batchSize?: number;
  enableCaching?: boolean;
  cacheMaxSize?: number;
  enableProfiling?: boolean;
}

export interface RunSpec {
  name: string;
  method: string;
  samples: number;
  latencyMs: number;
  optimization: Optimization;
  /** How much of each SampleCompleted event the benchmark's subscriber reads (default: its seq only). */
  sampleDetail?: SampleDetail;
  /** How to follow the run (default: the --follow option). */
  follow?: FollowMode;
}

/** What one experiment did, as the GraphQL API reports it, plus the time the client waited for it. */
export interface RunResult {
  experimentId: string;
  status: string;
  samples: number;
  failed: number;
  /** The attempt's wall time as the server measured it (first sample dispatched → last result stored). */
  wallMs: number;
  /** When the current attempt started, in ms since the epoch (null if it never did). */
  startedAtEpochMs: number | null;
  /** From sending launchExperiment to receiving the terminal status event. */
  endToEndMs: number;
  throughput: number;
  accuracy: number;
  hitRate: number;
  apiCalls: number;
  cacheStats: Record<string, number | boolean> | null;
  batchStats: Record<string, number | boolean | string | null> | null;
}

const LAUNCH = `mutation Launch($input: CreateExperimentInput!, $apiKey: String) {
  launchExperiment(input: $input, apiKey: $apiKey) { id }
}`;

const RESULT = `query Result($id: ID!) {
  experiment(id: $id) {
    status error startedAt progress { done total failed }
    metrics { accuracyAny throughput }
    profile {
      totalWallTimeMs apiCalls
      cacheStats { enabled hits misses hitRate size maxSize memoryHits persistentHits inflightDeduplicated totalLatencySavedMs }
      batchStats { enabled batchSize batchesProcessed totalPromptsBatched peakConcurrency meanConcurrency disabledReason }
    }
  }
}`;

interface ResultData {
  experiment: {
    status: string;
    error: string | null;
    startedAt: string | null;
    progress: { done: number; total: number; failed: number };
    metrics: { accuracyAny: number; throughput: number } | null;
    profile: {
      totalWallTimeMs: number;
      apiCalls: number;
      cacheStats: Record<string, number | boolean> & { hitRate: number };
      batchStats: Record<string, number | boolean | string | null>;
    } | null;
  };
}

/** The provider part of an experiment's configuration for these options. */
export function providerConfig(options: BenchOptions, latencyMs: number): Record<string, unknown> {
  return options.provider === 'openai'
    ? { kind: 'OPENAI_COMPATIBLE', baseUrl: options.baseUrl }
    : { kind: 'SIMULATED', latencyMs, jitterMs: 0 };
}

/** Launches one experiment through GraphQL, follows its event stream to the end, and reads its results. */
export async function runExperiment(
  client: BenchClient,
  options: BenchOptions,
  spec: RunSpec,
  onEvent: (event: StreamEvent) => void = () => {},
): Promise<RunResult> {
  const started = performance.now();
  const id = await launch(client, options, spec);
  if ((spec.follow ?? options.follow) === 'poll') await pollToEnd(client, id, onEvent);
  else await client.follow(id, onEvent, spec.sampleDetail);
  return collect(client, id, spec.name, performance.now() - started);
}

const POLL_INTERVAL_MS = 25;

/** Follows a run with a light status query every POLL_INTERVAL_MS: no event stream for the server to serve. */
async function pollToEnd(
  client: BenchClient,
  id: string,
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  for (;;) {
    const { experiment } = await client.request<{
      experiment: { status: string; progress: { done: number; total: number } };
    }>('query Poll($id: ID!) { experiment(id: $id) { status progress { done total } } }', { id });
    onEvent({ __typename: 'ExperimentProgress', seq: 0, ...experiment.progress });
    if (TERMINAL.has(experiment.status)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Creates and runs an experiment (launchExperiment); resolves with its id. */
export async function launch(
  client: BenchClient,
  options: BenchOptions,
  spec: RunSpec,
): Promise<string> {
  const input = {
    name: spec.name,
    config: {
      modelName: options.model,
      reasoningMethod: spec.method,
      datasetName: options.dataset,
      numSamples: spec.samples,
      hyperparameters: { temperature: 0, maxTokens: 256, seed: 42 },
      provider: providerConfig(options, spec.latencyMs),
      optimization: { enableProfiling: true, ...spec.optimization },
    },
  };
  const { launchExperiment } = await client.request<{ launchExperiment: { id: string } }>(LAUNCH, {
    input,
    apiKey: options.apiKey,
  });
  return launchExperiment.id;
}

/** The results of an experiment that has ended; throws unless it completed. */
export async function collect(
  client: BenchClient,
  id: string,
  name: string,
  endToEndMs: number,
): Promise<RunResult> {
  const { experiment } = await client.request<ResultData>(RESULT, { id });
  if (experiment.status !== 'COMPLETED') {
    throw new Error(
      `experiment ${name} ended ${experiment.status}: ${experiment.error ?? 'no error message'}`,
    );
  }
  const profile = experiment.profile;
  return {
    experimentId: id,
    status: experiment.status,
    samples: experiment.progress.total,
    failed: experiment.progress.failed,
    wallMs: profile?.totalWallTimeMs ?? endToEndMs,
    startedAtEpochMs: experiment.startedAt === null ? null : Date.parse(experiment.startedAt),
    endToEndMs,
    throughput: experiment.metrics?.throughput ?? 0,
    accuracy: experiment.metrics?.accuracyAny ?? 0,
    hitRate: profile?.cacheStats.hitRate ?? 0,
    apiCalls: profile?.apiCalls ?? 0,
    cacheStats: profile?.cacheStats ?? null,
    batchStats: profile?.batchStats ?? null,
  };
}

export async function clearCache(client: BenchClient): Promise<number> {
  const data = await client.request<{ clearCache: { entriesRemoved: number } }>(
    'mutation { clearCache { entriesRemoved } }',
  );
  return data.clearCache.entriesRemoved;
}
