import { LOG_LEVELS, type LogLevel } from './logger.ts';

/** Server settings, read from the environment once at start-up. */
export interface ServerConfig {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  /** SQLite file path, or ':memory:'. */
  databasePath: string;
  logLevel: LogLevel;
  /** Attempts that run at the same time; more wait QUEUED. */
  maxConcurrentRuns: number;
  /** Shortest interval between two progress events of one attempt. */
  progressIntervalMs: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer(env.PORT, 4000, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    databasePath: env.LLMFORGE_DB ?? './data/llmforge.sqlite',
    logLevel: logLevel(env.LOG_LEVEL ?? 'info'),
    maxConcurrentRuns: integer(env.LLMFORGE_MAX_CONCURRENT_RUNS, 4, 'LLMFORGE_MAX_CONCURRENT_RUNS'),
    progressIntervalMs: integer(env.LLMFORGE_PROGRESS_INTERVAL_MS, 100, 'LLMFORGE_PROGRESS_INTERVAL_MS'),
  };
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function logLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}
