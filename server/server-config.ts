import { EXACT_SEARCH_LIMIT } from './engine/retrieval/approximate-index.ts';
import { credentialsFromEnv, type ProviderCredentials } from './engine/providers/credentials.ts';
import { LOG_LEVELS, type LogLevel } from './logger.ts';

/** Server settings, read from the environment once at start-up. */
export interface ServerConfig {
  /** 0 picks a free port (tests). */
  port: number;
  /** Interface to listen on: loopback by default; '0.0.0.0' (HOST) opens the server to the network. */
  host: string;
  /** Browser origins besides the server's own that may call it (LLMFORGE_CORS_ORIGINS, comma-separated; '*' = any). */
  corsOrigins?: readonly string[];
  /** SQLite file path, ':memory:', or a postgres:// URL (LLMFORGE_DB). */
  databasePath: string;
  /** Redis for pub/sub and the work queue of a cluster (LLMFORGE_REDIS_URL); null runs everything in this process. */
  redisUrl?: string | null;
  /** Prefix of every Redis key, channel and queue name, so several deployments (or tests) can share one Redis. */
  redisPrefix?: string;
  /** What this process does: `all` (the default), `api` (serves, runs no attempt) or `worker` (runs attempts). */
  role?: ServerRole;
  /** A worker's hold on an attempt without renewal; a killed worker's attempts resume elsewhere after about this (LLMFORGE_LEASE_MS). */
  leaseMs?: number;
  logLevel: LogLevel;
  /** Attempts that run at the same time; more wait QUEUED. */
  maxConcurrentRuns: number;
  /** Shortest interval between two progress events of one attempt. */
  progressIntervalMs: number;
  /** When set, mutations and subscriptions need it (Bearer header, or connectionParams on WebSocket). */
  apiToken: string | null;
  /** Live events one subscriber may have waiting before it is told it overflowed. */
  subscriberBufferSize: number;
  /**
   * Bytes a live WebSocket subscriber may leave unsent (beyond what the kernel holds) before it is
   * told it overflowed (LLMFORGE_SUBSCRIBER_BUFFER_BYTES, default 1 MiB).
   */
  subscriberBufferBytes?: number;
  /** Shortest gap between two pushes of the experimentProfile subscription. */
  profileIntervalMs: number;
  /** Rows the persistent response-cache tier keeps, least recently used evicted first (default 100 000). */
  cacheMaxRows?: number;
  /** Vector indexes of more passages than this are searched approximately (usearch HNSW); default 20 000 (LLMFORGE_EXACT_SEARCH_LIMIT). */
  exactSearchLimit?: number;
  /** HF_TOKEN, LLMFORGE_OPENAI_ENDPOINTS, OPENAI_API_KEY; none when absent (tests). Held in memory only. */
  providerCredentials?: ProviderCredentials;
  /**
   * Run attempts in an engine thread of their own instead of on the thread that serves the API
   * (LLMFORGE_ENGINE_THREAD, on by default for the server; buildApp's default is off). Without Redis only.
   */
  engineThread?: boolean;
}

export const DEFAULT_CACHE_MAX_ROWS = 100_000;

export const DEFAULT_LEASE_MS = 5000;

export const DEFAULT_SUBSCRIBER_BUFFER_BYTES = 1024 * 1024;

export const SERVER_ROLES = ['all', 'api', 'worker'] as const;
export type ServerRole = (typeof SERVER_ROLES)[number];

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer(env.PORT, 4000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    corsOrigins: (env.LLMFORGE_CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    databasePath: env.LLMFORGE_DB ?? './data/llmforge.sqlite',
    redisUrl: env.LLMFORGE_REDIS_URL ? env.LLMFORGE_REDIS_URL : null,
    engineThread: env.LLMFORGE_ENGINE_THREAD !== '0' && !env.LLMFORGE_REDIS_URL,
    redisPrefix: env.LLMFORGE_REDIS_PREFIX ?? 'llmforge:',
    role: role(env.LLMFORGE_ROLE ?? 'all', env.LLMFORGE_REDIS_URL),
    leaseMs: integer(env.LLMFORGE_LEASE_MS, DEFAULT_LEASE_MS, 'LLMFORGE_LEASE_MS'),
    logLevel: logLevel(env.LOG_LEVEL ?? 'info'),
    maxConcurrentRuns: integer(env.LLMFORGE_MAX_CONCURRENT_RUNS, 4, 'LLMFORGE_MAX_CONCURRENT_RUNS'),
    progressIntervalMs: integer(
      env.LLMFORGE_PROGRESS_INTERVAL_MS,
      100,
      'LLMFORGE_PROGRESS_INTERVAL_MS',
    ),
    apiToken: env.LLMFORGE_API_TOKEN ? env.LLMFORGE_API_TOKEN : null,
    subscriberBufferSize: integer(
      env.LLMFORGE_SUBSCRIBER_BUFFER,
      10_000,
      'LLMFORGE_SUBSCRIBER_BUFFER',
    ),
    subscriberBufferBytes: integer(
      env.LLMFORGE_SUBSCRIBER_BUFFER_BYTES,
      DEFAULT_SUBSCRIBER_BUFFER_BYTES,
      'LLMFORGE_SUBSCRIBER_BUFFER_BYTES',
    ),
    profileIntervalMs: integer(
      env.LLMFORGE_PROFILE_INTERVAL_MS,
      250,
      'LLMFORGE_PROFILE_INTERVAL_MS',
    ),
    cacheMaxRows: integer(
      env.LLMFORGE_CACHE_MAX_ROWS,
      DEFAULT_CACHE_MAX_ROWS,
      'LLMFORGE_CACHE_MAX_ROWS',
    ),
    exactSearchLimit: integer(
      env.LLMFORGE_EXACT_SEARCH_LIMIT,
      EXACT_SEARCH_LIMIT,
      'LLMFORGE_EXACT_SEARCH_LIMIT',
    ),
    providerCredentials: credentialsFromEnv(env),
  };
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function logLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return value as LogLevel;
}

/** api and worker processes only make sense together, over Redis: never fall back to one process silently. */
function role(value: string, redisUrl: string | undefined): ServerRole {
  if (!(SERVER_ROLES as readonly string[]).includes(value)) {
    throw new Error(`LLMFORGE_ROLE must be one of ${SERVER_ROLES.join(', ')}, got "${value}"`);
  }
  if (value !== 'all' && !redisUrl)
    throw new Error(
      `LLMFORGE_ROLE=${value} needs LLMFORGE_REDIS_URL (the queue and pub/sub between processes)`,
    );
  return value as ServerRole;
}
