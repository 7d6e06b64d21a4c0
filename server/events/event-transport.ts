import { setMaxListeners } from 'node:events';

/**
 * Where the event bus's messages travel between publishers and this process's listeners: within
 * this process only, or through Redis to every process of a cluster. The bus listens to a channel
 * once per process and fans messages out to its own subscribers, so every subscriber takes the same
 * path whatever the transport.
 */
export interface EventTransport {
  /** True when messages cross processes: the bus then sends an experiment's events only once stored. */
  readonly shared: boolean;
  /** Sends a JSON-serialisable message to every listener of the channel, in any process sharing the transport. */
  publish(channel: string, message: unknown): void;
  /** Listens to a channel; resolves once listening is in effect (nothing published after that is missed). */
  listen(channel: string, listener: (message: unknown) => void): Promise<() => void>;
  /** Whether the transport can deliver right now (health). */
  check(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close(): Promise<void>;
}

/** The embedded default: messages go straight, synchronously, to listeners in this process. */
export class LocalEventTransport implements EventTransport {
  readonly shared = false;
  private readonly target = new EventTarget();

  constructor() {
    setMaxListeners(0, this.target);
  }

  publish(channel: string, message: unknown): void {
    this.target.dispatchEvent(new CustomEvent(channel, { detail: message }));
  }

  async listen(channel: string, listener: (message: unknown) => void): Promise<() => void> {
    const handler = (event: Event) => listener((event as CustomEvent).detail);
    this.target.addEventListener(channel, handler);
    return () => this.target.removeEventListener(channel, handler);
  }

  async check(): Promise<{ ok: true }> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}
