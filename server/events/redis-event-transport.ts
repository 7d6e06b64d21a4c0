import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { EventTransport } from './event-transport.ts';

/**
 * Messages through Redis pub/sub (graphql-yoga's Redis event target on ioredis), so a subscriber
 * connected to any process receives what any other process publishes. One connection publishes
 * (Redis keeps one connection's messages in order) and one subscribes.
 */
export class RedisEventTransport implements EventTransport {
  readonly shared = true;
  private readonly publishClient: Redis;
  private readonly subscribeClient: Redis;
  private readonly target: ReturnType<typeof createRedisEventTarget>;

  constructor(url: string, logger: Logger) {
    // maxRetriesPerRequest: null queues commands while Redis is away instead of rejecting them: the
    // event target never handles its publish/subscribe promises, so a rejection would crash the process.
    const options = { maxRetriesPerRequest: null, lazyConnect: false } as const;
    this.publishClient = new Redis(url, options);
    this.subscribeClient = new Redis(url, options);
    for (const [role, client] of [
      ['publish', this.publishClient],
      ['subscribe', this.subscribeClient],
    ] as const) {
      client.on('error', (error: Error) =>
        logger.warn('redis connection error', { role, error: error.message }),
      );
    }
    this.target = createRedisEventTarget({
      publishClient: this.publishClient,
      subscribeClient: this.subscribeClient,
    });
  }

  publish(channel: string, message: unknown): void {
    this.target.dispatchEvent(new CustomEvent(channel, { detail: message }));
  }

  async listen(channel: string, listener: (message: unknown) => void): Promise<() => void> {
    const handler = (event: Event) => listener((event as CustomEvent).detail);
    this.target.addEventListener(channel, handler);
    // The target subscribes without waiting; subscribing again on the same connection (a no-op for
    // Redis) resolves once both are in effect, since one connection's commands run in order.
    await this.subscribeClient.subscribe(channel);
    return () => this.target.removeEventListener(channel, handler);
  }

  async check(): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (this.publishClient.status !== 'ready' || this.subscribeClient.status !== 'ready') {
      return {
        ok: false,
        reason: `redis connection is ${this.publishClient.status}/${this.subscribeClient.status}`,
      };
    }
    return { ok: true };
  }

  async close(): Promise<void> {
    this.publishClient.disconnect();
    this.subscribeClient.disconnect();
  }
}
