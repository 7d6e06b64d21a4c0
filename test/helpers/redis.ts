import { randomBytes } from 'node:crypto';

/** The local Redis the cluster tests use (started by .ci/run). */
export const TEST_REDIS_URL = process.env.LLMFORGE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for each test app group, so parallel test files never share a channel or queue. */
export function newRedisPrefix(): string {
  return `llmforge-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
}
