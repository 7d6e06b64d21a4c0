/**
 * `npm run cluster`: one API process (http://127.0.0.1:4000) and two workers on the local PostgreSQL
 * and Redis, to try the multi-process setup on one machine. Ctrl-C stops all three.
 *
 *   LLMFORGE_DB (default postgres://postgres@127.0.0.1:5432/llmforge)
 *   LLMFORGE_REDIS_URL (default redis://127.0.0.1:6379), PORT (default 4000), WORKERS (default 2)
 */
import { startCluster } from './cluster-processes.ts';

const cluster = await startCluster(Number(process.env.WORKERS ?? 2), {
  databaseUrl: process.env.LLMFORGE_DB ?? 'postgres://postgres@127.0.0.1:5432/llmforge',
  redisUrl: process.env.LLMFORGE_REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisPrefix: process.env.LLMFORGE_REDIS_PREFIX ?? 'llmforge:',
  apiPort: Number(process.env.PORT ?? 4000),
  echo: true,
}).catch((error: unknown) => {
  process.stderr.write(
    `cluster failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
process.stderr.write(
  `\ncluster up: API ${cluster.url}/graphql, ${cluster.workers.length} workers (Ctrl-C stops them)\n\n`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cluster.stop().then(() => process.exit(0)));
}
