import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface ClusterSettings {
  /** A postgres:// URL. */
  databaseUrl: string;
  redisUrl: string;
  /** Keeps this cluster's queue and channels apart from any other on the same Redis. */
  redisPrefix?: string;
  /** Attempts each worker runs at once. */
  attemptsPerWorker?: number;
  leaseMs?: number;
  /** The API's port (0 = any). */
  apiPort?: number;
  logLevel?: string;
  /** Copies every log line to this process's stderr, prefixed with the process's name. */
  echo?: boolean;
}

/** One process of the cluster, followed through its JSON log lines. */
export class ClusterProcess {
  readonly listening: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly watchers = new Set<(line: Record<string, unknown>) => void>();

  constructor(
    readonly name: string,
    env: Record<string, string>,
    echo: boolean,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    createInterface({ input: this.child.stderr! }).on('line', (text) => {
      if (echo) process.stderr.write(`[${name}] ${text}\n`);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      for (const watcher of this.watchers) watcher(line);
    });
    this.listening = this.next((line) => line.message === 'listening').then((line) =>
      String(line.url)
        .replace('localhost', '127.0.0.1')
        .replace(/\/graphql$/, ''),
    );
  }

  /** The next log line that matches (from now on). */
  next(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const watcher = (line: Record<string, unknown>) => {
        if (!match(line)) return;
        this.watchers.delete(watcher);
        resolve(line);
      };
      this.watchers.add(watcher);
      void this.exited.then(() => {
        if (this.watchers.delete(watcher))
          reject(new Error(`${this.name} exited before the awaited log line`));
      });
    });
  }

  /** Every matching log line, as it comes; returns the function that stops watching. */
  watch(
    match: (line: Record<string, unknown>) => boolean,
    onLine: (line: Record<string, unknown>) => void,
  ): () => void {
    const watcher = (line: Record<string, unknown>) => {
      if (match(line)) onLine(line);
    };
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export interface Cluster {
  api: ClusterProcess;
  workers: ClusterProcess[];
  url: string;
  stop(): Promise<void>;
}

/** One API process and `workers` worker processes on one PostgreSQL database and one Redis. */
export async function startCluster(workers: number, settings: ClusterSettings): Promise<Cluster> {
  const env = {
    LLMFORGE_DB: settings.databaseUrl,
    LLMFORGE_REDIS_URL: settings.redisUrl,
    LLMFORGE_REDIS_PREFIX:
      settings.redisPrefix ?? `llmforge-cluster-${randomBytes(4).toString('hex')}:`,
    LLMFORGE_MAX_CONCURRENT_RUNS: String(settings.attemptsPerWorker ?? 2),
    LLMFORGE_LEASE_MS: String(settings.leaseMs ?? 5000),
    LOG_LEVEL: settings.logLevel ?? 'info',
    HOST: '127.0.0.1',
  };
  const echo = settings.echo ?? false;
  const api = new ClusterProcess(
    'api',
    { ...env, LLMFORGE_ROLE: 'api', PORT: String(settings.apiPort ?? 0) },
    echo,
  );
  const all: ClusterProcess[] = [api];
  const stop = async () => {
    for (const process of all) process.kill('SIGTERM');
    await Promise.all(all.map((process) => process.exited));
  };
  try {
    // The API runs the migrations before any worker opens the database.
    const url = await api.listening;
    const started = Array.from(
      { length: workers },
      (_, i) =>
        new ClusterProcess(`worker-${i + 1}`, { ...env, LLMFORGE_ROLE: 'worker', PORT: '0' }, echo),
    );
    all.push(...started);
    await Promise.all(started.map((worker) => worker.listening));
    return { api, workers: started, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
