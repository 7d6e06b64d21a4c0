import { parseArgs } from 'node:util';

export type Suite = 'matrix' | 'perf' | 'cluster';
export type ProviderChoice = 'simulated' | 'openai';
/** How the benchmark learns that a run ended: status queries, or the experimentEvents subscription. */
export type FollowMode = 'poll' | 'subscription';

export interface BenchOptions {
  suite: Suite;
  samples: number;
  latencyMs: number;
  dataset: string;
  model: string;
  methods: string[];
  output: string;
  /** A running server to drive instead of starting one. */
  url: string | null;
  provider: ProviderChoice;
  /** The OpenAI-compatible server (with --provider openai). */
  baseUrl: string | null;
  /** Per-run provider key (with --provider openai); never written to the output. */
  apiKey: string | null;
  /** Sent as a Bearer token when the server requires LLMFORGE_API_TOKEN. */
  token: string | null;
  /** Perf-suite rows to measure (default: all). */
  only: PerfRow[];
  follow: FollowMode;
  /** The PostgreSQL server the cluster suite creates its databases on (postgres://user@host:port). */
  clusterDatabaseServer: string;
  /** The Redis of the cluster suite. */
  clusterRedisUrl: string;
  /** Run the server of this checkout instead of this one's (a before/after comparison). */
  serverDir: string | null;
  /** Write a CPU profile of each perf-suite server into this folder, and summarize it for rows that miss. */
  cpuProf: string | null;
  /** Subscribers of the fan-out row. */
  fanoutSubscribers: number;
  /** How long subscriber rows wait for every subscriber to end before reporting what arrived. */
  fanoutTimeoutMs: number;
}

export const PERF_ROWS = [
  'efficiency',
  'overhead',
  'throughput',
  'fanout',
  'warm',
  'queries',
  'polling',
  'querycost',
  'memory',
] as const;
export type PerfRow = (typeof PERF_ROWS)[number];

export const USAGE = `npm run bench -- [options]

  --suite matrix|perf|cluster
                          matrix (default): methods × presets; perf: every performance target; cluster: 1, 2 and 3
                          worker processes (PostgreSQL + Redis), a worker killed -9 halfway, a shared capped endpoint
  --pg-server URL         cluster suite: PostgreSQL server for its databases (default postgres://postgres@127.0.0.1:5432)
  --redis-url URL         cluster suite: Redis (default redis://127.0.0.1:6379)
  --samples N             samples per run (default 20)
  --latency-ms MS         simulated provider latency per call (default 50)
  --dataset NAME          dataset (default arithmetic: 100 000 generated items, so any --samples fits)
  --model NAME            model name (default meta-llama/Llama-3.2-1B-Instruct)
  --methods a,b           reasoning methods (default naive,cot)
  --output FILE           JSON results (default benchmark_results.json)
  --url URL               drive a running server (default: start one on a temporary database)
  --provider simulated|openai
  --base-url URL          the OpenAI-compatible server for --provider openai (e.g. http://127.0.0.1:8000/v1)
  --api-key KEY           a key for that server, for these runs only (or set it in the server environment)
  --token TOKEN           the server's LLMFORGE_API_TOKEN, if it has one (default: $LLMFORGE_API_TOKEN)
  --only a,b              perf suite rows to measure: efficiency, overhead, throughput, fanout, warm, queries, polling,
                          querycost, memory (default: all)
  --server-dir DIR        perf suite: run the server of another checkout (with node_modules) instead of this one, for a
                          before/after table; the rows use only API that older servers have too
  --cpu-prof DIR          perf suite: write a V8 CPU profile of each server into DIR and print the top functions of
                          rows that miss their target
  --fanout-subscribers N  perf suite fanout row: WebSocket subscribers (default 1000)
  --fanout-timeout S      perf suite: seconds subscriber rows wait for every subscriber (default 180)
  --follow poll|subscription
                          how runs are followed (default poll: a status query every 25 ms). "subscription"
                          streams every event of the run to the benchmark (experimentEvents), which costs the
                          server 0.1–0.2 ms of CPU per event; the perf suite's overhead row always uses it

Cold cached runs start from an empty persistent cache: the benchmark calls clearCache before each one.`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string', default: 'matrix' },
      samples: { type: 'string', default: '20' },
      'latency-ms': { type: 'string', default: '50' },
      dataset: { type: 'string', default: 'arithmetic' },
      model: { type: 'string', default: 'meta-llama/Llama-3.2-1B-Instruct' },
      methods: { type: 'string', default: 'naive,cot' },
      output: { type: 'string', default: 'benchmark_results.json' },
      url: { type: 'string' },
      provider: { type: 'string', default: 'simulated' },
      'base-url': { type: 'string' },
      'api-key': { type: 'string' },
      token: { type: 'string' },
      only: { type: 'string', default: PERF_ROWS.join(',') },
      follow: { type: 'string', default: 'poll' },
      'pg-server': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
      'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
      'server-dir': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'fanout-subscribers': { type: 'string', default: '1000' },
      'fanout-timeout': { type: 'string', default: '180' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError('');
  const suite = oneOf(values.suite, ['matrix', 'perf', 'cluster'] as const, '--suite');
  const provider = oneOf(values.provider, ['simulated', 'openai'] as const, '--provider');
  const baseUrl = values['base-url'] ?? null;
  if (provider === 'openai' && !baseUrl) throw new UsageError('--provider openai needs --base-url');
  return {
    suite,
    samples: positiveInteger(values.samples, '--samples'),
    latencyMs: positiveInteger(values['latency-ms'], '--latency-ms', 0),
    dataset: values.dataset,
    model: values.model,
    methods: values.methods
      .split(',')
      .map((m) => m.trim().toUpperCase())
      .filter(Boolean),
    output: values.output,
    url: values.url?.replace(/\/graphql\/?$/, '').replace(/\/+$/, '') ?? null,
    provider,
    baseUrl,
    apiKey: values['api-key'] ?? null,
    token: values.token ?? process.env.LLMFORGE_API_TOKEN ?? null,
    only: values.only.split(',').map((row) => oneOf(row.trim(), PERF_ROWS, '--only')),
    follow: oneOf(values.follow, ['poll', 'subscription'] as const, '--follow'),
    clusterDatabaseServer: values['pg-server'].replace(/\/+$/, ''),
    clusterRedisUrl: values['redis-url'],
    serverDir: values['server-dir'] ?? null,
    cpuProf: values['cpu-prof'] ?? null,
    fanoutSubscribers: positiveInteger(values['fanout-subscribers'], '--fanout-subscribers'),
    fanoutTimeoutMs: positiveInteger(values['fanout-timeout'], '--fanout-timeout') * 1000,
  };
}

export class UsageError extends Error {}

function positiveInteger(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}
