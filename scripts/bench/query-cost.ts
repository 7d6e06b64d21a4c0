/**
 * What one query costs the server, apart from any load: the experiment list and an experiment's
 * detail, read over ended experiments with nothing else running. The query rows under load mix this
 * cost with the engine's and the machine's; this row isolates it, so a change to the read path shows
 * up here even on a day the machine is slow.
 */
import type { BenchOptions } from './args.ts';
import type { BenchClient } from './client.ts';
import { runExperiment } from './experiments.ts';
import type { TargetResult } from './perf.ts';
import type { ProgressBar } from './progress.ts';
import { threadCpuMsOf } from './servers.ts';
import { fixed } from './table.ts';
import { DETAIL_QUERY, LIST_QUERY, onFreshServer } from './viewers.ts';

const EXPERIMENTS = 8;
const SAMPLES = 300;
const WARM_UP_QUERIES = 300;
const MEASURED_QUERIES = 2000;
const IN_FLIGHT = 4;

export const QUERY_COST_RUNS = EXPERIMENTS;

export async function queryCost(
  options: BenchOptions,
  progress: ProgressBar,
): Promise<TargetResult[]> {
  return onFreshServer(options, 'query cost', async (server, client) => {
    const ids: string[] = [];
    for (let i = 0; i < EXPERIMENTS; i++) {
      progress.start(`ended experiment ${i + 1} of ${EXPERIMENTS}`);
      const result = await runExperiment(client, options, {
        name: `query-cost-${i}`,
        // Chain of thought: results with a full prompt and reasoning each, as a real run stores.
        method: 'COT',
        samples: SAMPLES,
        latencyMs: 0,
        optimization: { enableProfiling: true },
        follow: 'poll',
      });
      progress.finish(result.samples, result.samples, `${fixed(result.wallMs / 1000, 3)} s`);
      ids.push(result.experimentId);
    }
    const pid = server.pid as number;
    const list = await costOf(client, pid, () => ({ query: LIST_QUERY }));
    const detail = await costOf(client, pid, (i) => ({
      query: DETAIL_QUERY,
      variables: { id: ids[i % ids.length] },
    }));
    const row = (what: string, cost: QueryCost): TargetResult => ({
      measure: `server CPU per query, ${what}, ${IN_FLIGHT} in flight, nothing running`,
      target: 'report (no target)',
      measured: `${fixed(cost.serverUs, 0)} µs a query (API thread ${fixed(cost.apiThreadUs, 0)} µs; ${MEASURED_QUERIES} queries in ${fixed(cost.wallMs, 0)} ms)`,
      met: true,
      details: { ...cost, queries: MEASURED_QUERIES, experiments: ids },
    });
    return [
      row(`the experiment list (${EXPERIMENTS} ended COT experiments of ${SAMPLES} samples)`, list),
      row('the detail of an ended experiment with its profile', detail),
    ];
  });
}

interface QueryCost {
  serverUs: number;
  apiThreadUs: number;
  wallMs: number;
}

/** Server CPU (every thread, and the API thread alone) per query, after a warm-up of the same query. */
async function costOf(
  client: BenchClient,
  pid: number,
  request: (index: number) => { query: string; variables?: Record<string, unknown> },
): Promise<QueryCost> {
  await send(client, request, WARM_UP_QUERIES);
  const [server, apiThread] = [threadCpuMsOf(pid), threadCpuMsOf(pid, [String(pid)])];
  const began = performance.now();
  await send(client, request, MEASURED_QUERIES);
  const wallMs = performance.now() - began;
  return {
    serverUs: ((threadCpuMsOf(pid) - server) * 1000) / MEASURED_QUERIES,
    apiThreadUs: ((threadCpuMsOf(pid, [String(pid)]) - apiThread) * 1000) / MEASURED_QUERIES,
    wallMs,
  };
}

async function send(
  client: BenchClient,
  request: (index: number) => { query: string; variables?: Record<string, unknown> },
  count: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const { query, variables } = request(next++);
        await client.request(query, variables);
      }
    }),
  );
}
