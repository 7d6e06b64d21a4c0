import type { BenchOptions } from './args.ts';
import type { BenchClient, StreamEvent } from './client.ts';

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
}

/** What one experiment did, as the GraphQL API reports it, plus the time the client waited for it. */
export interface RunResult {
  experimentId: string;
  status: string;
  samples: number;
  failed: number;
  /** The attempt's wall time as the server measured it (first sample dispatched → last result stored). */
  wallMs: number;
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
    status error progress { done total failed }
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
  const { launchExperiment } = await client.request<{ launchExperiment: { id: string } }>(LAUNCH, { input, apiKey: options.apiKey });
  await client.follow(launchExperiment.id, onEvent);
  const endToEndMs = performance.now() - started;
  const { experiment } = await client.request<ResultData>(RESULT, { id: launchExperiment.id });
  if (experiment.status !== 'COMPLETED') {
    throw new Error(`experiment ${spec.name} ended ${experiment.status}: ${experiment.error ?? 'no error message'}`);
  }
  const profile = experiment.profile;
  return {
    experimentId: launchExperiment.id,
    status: experiment.status,
    samples: experiment.progress.total,
    failed: experiment.progress.failed,
    wallMs: profile?.totalWallTimeMs ?? endToEndMs,
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
  const data = await client.request<{ clearCache: { entriesRemoved: number } }>('mutation { clearCache { entriesRemoved } }');
  return data.clearCache.entriesRemoved;
}
