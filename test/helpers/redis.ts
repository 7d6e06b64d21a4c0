import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The local Redis the cluster tests use (started by .ci/run). */
export const TEST_REDIS_URL = process.env.LLMFORGE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for each test app group, so parallel test files never share a channel or queue. */
export function newRedisPrefix(): string {
  return `llmforge-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key a test group left under its prefix (queues, windows). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
