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

  /** Messages published in this turn of the event loop, posted together at its end. */
  private outbox: OutboxEntry[] = [];
  private closed = false;

  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (message) => {
      for (const [channel, payload] of (message as { data: OutboxEntry[] }).data)
        this.deliver(channel, payload);
    };
    // The channel must not keep a finished process alive; close() ends it for good.
    (this.channel as unknown as { unref(): void }).unref();
  }

  /**
   * A stored batch of results settles hundreds of events at once: they cross to the other threads
   * as one message, not one each (a message costs a structured clone on this side and an event
   * dispatch on the other). Order is kept: one outbox, posted in publishing order.
   */
  publish(channel: string, message: unknown): void {
    if (this.outbox.length === 0) queueMicrotask(() => this.postOutbox());
    this.outbox.push([channel, message]);
    this.deliver(channel, message);
  }

  private postOutbox(): void {
    const entries = this.outbox;
    this.outbox = [];
    // After close nothing crosses any more (the other side has gone or is going).
    if (entries.length > 0 && !this.closed) this.channel.postMessage(entries);
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
    this.postOutbox();
    this.closed = true;
    this.listeners.clear();
    this.channel.close();
  }

  private deliver(channel: string, payload: unknown): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(payload);
  }
}

type OutboxEntry = [channel: string, payload: unknown];
