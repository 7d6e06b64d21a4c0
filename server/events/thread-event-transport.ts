import { BroadcastChannel } from 'node:worker_threads';
import type { EventTransport } from './event-transport.ts';

/**
 * The event bus between the threads of one process (the API thread and the engine thread), on a
 * worker_threads BroadcastChannel: the cluster's shared-transport semantics (an experiment's events
 * travel once stored, every thread fans them out to its own subscribers) without Redis. A
 * BroadcastChannel never delivers to the object that posted, so this thread's own listeners are
 * called directly. `name` is unique per app: two apps in one process (tests) never hear each other.
 */
export class ThreadEventTransport implements EventTransport {
  readonly shared = true;
  private readonly channel: BroadcastChannel;
  private readonly listeners = new Map<string, Set<(message: unknown) => void>>();

  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (message) => {
      const { channel, payload } = (message as { data: { channel: string; payload: unknown } })
        .data;
      this.deliver(channel, payload);
    };
    // The channel must not keep a finished process alive; close() ends it for good.
    (this.channel as unknown as { unref(): void }).unref();
  }

  publish(channel: string, message: unknown): void {
    this.channel.postMessage({ channel, payload: message });
    this.deliver(channel, message);
  }

  async listen(channel: string, listener: (message: unknown) => void): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  async check(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.channel.close();
  }

  private deliver(channel: string, payload: unknown): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(payload);
  }
}
