import type { BenchOptions } from './args.ts';
import type { BenchClient } from './client.ts';
import { clearCache, runExperiment, type Optimization, type RunResult } from './experiments.ts';
import { ProgressBar } from './progress.ts';
import { fixed, formatTable } from './table.ts';

interface Preset {
  name: string;
  optimization: Optimization;
}

/** Every method runs each of these; the cached ones twice (cold, then warm from the persistent tier). */
export const PRESETS: readonly Preset[] = [
  { name: 'baseline', optimization: { enableBatching: false, enableCaching: false } },
  { name: 'batched_4', optimization: { enableBatching: true, batchSize: 4, enableCaching: false } },
  { name: 'batched_8', optimization: { enableBatching: true, batchSize: 8, enableCaching: false } },
  { name: 'cached', optimization: { enableBatching: false, enableCaching: true } },
  {
    name: 'batched+cached',
    optimization: { enableBatching: true, batchSize: 8, enableCaching: true },
  },
];

interface PlannedRun {
  method: string;
  preset: Preset;
  cache: MatrixRow['cache'];
}

export interface MatrixRow extends RunResult {
  method: string;
  preset: string;
  /** For cached presets: cold (empty persistent cache) or warm (a new experiment, same configuration). */
  cache: 'cold' | 'warm' | null;
  /** Baseline wall time ÷ this run's wall time (same method). */
  speedup: number;
}

export async function runMatrix(client: BenchClient, options: BenchOptions): Promise<MatrixRow[]> {
  const plan = options.methods.flatMap((method) =>
    PRESETS.flatMap((preset): PlannedRun[] =>
      preset.optimization.enableCaching
        ? [
            { method, preset, cache: 'cold' },
            { method, preset, cache: 'warm' },
          ]
        : [{ method, preset, cache: null }],
    ),
  );
  const progress = new ProgressBar(plan.length);
  const rows: MatrixRow[] = [];
  for (const { method, preset, cache } of plan) {
    const label = `${method.toLowerCase()} ${preset.name}${cache ? ` (${cache})` : ''}`;
    if (cache === 'cold') await clearCache(client);
    progress.start(label);
    const result = await runExperiment(
      client,
      options,
      {
        name: `bench ${label}`,
        method,
        samples: options.samples,
        latencyMs: options.latencyMs,
        optimization: preset.optimization,
      },
      (event) => {
        if (event.__typename === 'ExperimentProgress')
          progress.update(event.done ?? 0, event.total ?? 0);
      },
    );
    const baseline = rows.find((row) => row.method === method && row.preset === 'baseline');
    const row = {
      ...result,
      method,
      preset: preset.name,
      cache,
      speedup: baseline ? baseline.wallMs / result.wallMs : 1,
    };
    rows.push(row);
    progress.finish(result.samples, result.samples, `${fixed(result.wallMs / 1000, 3)} s`);
  }
  return rows;
}

export function matrixTable(rows: readonly MatrixRow[]): string {
  return formatTable(rows, [
    { title: 'method', value: (r) => r.method.toLowerCase(), align: 'left' },
    { title: 'preset', value: (r) => r.preset + (r.cache ? ` (${r.cache})` : ''), align: 'left' },
    { title: 'samples', value: (r) => String(r.samples) },
    { title: 'wall s', value: (r) => fixed(r.wallMs / 1000, 3) },
    { title: 'end-to-end s', value: (r) => fixed(r.endToEndMs / 1000, 3) },
    { title: 'samples/s', value: (r) => fixed(r.throughput, 1) },
    { title: 'speed-up', value: (r) => `${fixed(r.speedup, 1)}×` },
    { title: 'hit rate', value: (r) => (r.cacheStats?.enabled ? fixed(r.hitRate, 3) : '–') },
    { title: 'API calls', value: (r) => String(r.apiCalls) },
    { title: 'accuracy', value: (r) => fixed(r.accuracy, 3) },
  ]);
}
