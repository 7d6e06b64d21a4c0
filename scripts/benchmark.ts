/**
 * The benchmark, driving LlmForge only through its GraphQL API.
 *
 *   npm run bench -- --samples 200 --latency-ms 50          the matrix: methods × presets, a table and JSON
 *   npm run bench -- --suite perf                            every performance target, measured against it
 *   npm run bench -- --suite cluster                         1/2/3 worker processes, failover, a shared capped endpoint
 *   npm run bench -- --provider openai --base-url http://127.0.0.1:8000/v1
 *
 * Without --url it starts the server as `npm start` does, in a child process on a throwaway database,
 * so the benchmark's own work never shares the server's event loop. `--help` lists every option.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './bench/args.ts';
import { BenchClient } from './bench/client.ts';
import { clusterTable, runClusterSuite } from './bench/cluster.ts';
import { matrixTable, runMatrix } from './bench/matrix.ts';
import { perfTable, runPerfSuite } from './bench/perf.ts';
import { startChild } from './bench/servers.ts';

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message ? `${error.message}\n\n` : ''}${USAGE}\n`);
    return error.message ? 2 : 0;
  }
  const startedAt = new Date().toISOString();
  const environment = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    loadAverageAtStart: loadavg(),
  };
  const settings = {
    ...options,
    apiKey: options.apiKey ? '(given)' : null,
    token: options.token ? '(given)' : null,
  };
  if (options.suite === 'cluster') {
    const rows = await runClusterSuite(options);
    process.stdout.write(`\n${clusterTable(rows)}\n`);
    writeFileSync(
      options.output,
      `${JSON.stringify({ suite: 'cluster', startedAt, environment, settings, runs: rows }, null, 2)}\n`,
    );
    process.stderr.write(`\nwrote ${options.output}\n`);
    return 0;
  }
  if (options.suite === 'perf') {
    const targets = await runPerfSuite(options);
    process.stdout.write(`\n${perfTable(targets)}\n`);
    writeFileSync(
      options.output,
      `${JSON.stringify({ suite: 'perf', startedAt, environment, settings, targets }, null, 2)}\n`,
    );
    process.stderr.write(`\nwrote ${options.output}\n`);
    return targets.every((t) => t.met) ? 0 : 1;
  }
  const server = options.url ? null : await startChild();
  const client = new BenchClient(options.url ?? server!.url, options.token);
  try {
    const rows = await runMatrix(client, options);
    process.stdout.write(`\n${matrixTable(rows)}\n`);
    writeFileSync(
      options.output,
      `${JSON.stringify({ suite: 'matrix', startedAt, environment, settings, runs: rows }, null, 2)}\n`,
    );
    process.stderr.write(`\nwrote ${options.output}\n`);
    return 0;
  } finally {
    await client.close();
    await server?.stop();
  }
}

// Exit through process.exit, so the 'exit' handlers stop any server the benchmark started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
