import { setMaxListeners } from 'node:events';
import { Repeater } from 'graphql-yoga';
import type { ExperimentStatus } from '../db/entities/experiment.entity.ts';
import type { AgentStepReport } from '../engine/methods/method.ts';
import type { SampleRecord } from '../engine/runner.ts';
import type { EventTransport } from './event-transport.ts';

export interface SampleCompletedEvent {
  type: 'SampleCompleted';
  sample: Omit<SampleRecord, 'prompt' | 'trace'>;
}
export interface ExperimentProgressEvent {
  type: 'ExperimentProgress';
  done: number;
  total: number;
  failed: number;
  hitRate: number;
  /** Samples per second over the attempt's wall time so far. */
  throughput: number;
}
export interface ExperimentStatusChangedEvent {
  type: 'ExperimentStatusChanged';
  status: ExperimentStatus;
  error: string | null;
}
/** One finished step of a REACT agent, live (the whole trace is stored with its sample). */
export interface AgentStepEvent {
  type: 'AgentStepCompleted';
  sampleIndex: number;
  step: AgentStepReport;
}
export type ExperimentEventBody =
  | SampleCompletedEvent
  | ExperimentProgressEvent
  | ExperimentStatusChangedEvent
  | AgentStepEvent;

/** An event as delivered: JSON-serialisable, numbered per experiment (the first is 1). */
export type ExperimentEvent = ExperimentEventBody & {
  experimentId: string;
  attempt: number;
  seq: number;
  at: string;
};

/** A change to the list of experiments (for dashboards): created, deleted, or a new status. */
export interface ExperimentChange {
  experimentId: string;
  change: 'CREATED' | 'STATUS_CHANGED' | 'DELETED';
  status: ExperimentStatus | null;
  at: string;
}

interface UnsentEvent {
  event: ExperimentEvent;
  state: 'unstored' | 'stored' | 'lost';
}

export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
]);

/** The status event that ends an attempt (COMPLETED, FAILED or CANCELLED). */
export function isTerminalEvent(
  event: ExperimentEvent,
): event is ExperimentEvent & ExperimentStatusChangedEvent {
  return event.type === 'ExperimentStatusChanged' && TERMINAL_STATUSES.has(event.status);
}

/** An EventTarget that can say how many listeners each topic has (to prove subscribers are released). */
class CountingEventTarget extends EventTarget {
  private readonly counts = new Map<string, number>();
  private readonly watchers = new Set<() => void>();

  constructor() {
    super();
    // One listener per live subscriber; Node's default limit of 10 is a leak heuristic, not a capacity.
    setMaxListeners(0, this);
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener, options);
    if (listener) this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    super.removeEventListener(type, listener, options);
    if (!listener) return;
    const left = (this.counts.get(type) ?? 1) - 1;
    if (left > 0) this.counts.set(type, left);
    else this.counts.delete(type);
    for (const watcher of this.watchers) watcher();
  }

  /** Resolves once at most `count` listeners are left on all topics. */
  whenAtMost(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.listenerCount() > count) return;
        this.watchers.delete(check);
        resolve();
      };
      this.watchers.add(check);
      check();
    });
  }

  listenerCount(type?: string): number {
    if (type !== undefined) return this.counts.get(type) ?? 0;
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }
}

export interface EventBusOptions {
  /** Prefix of the transport's channel names, so several apps can share one Redis. */
  channelPrefix?: string;
  /** How long start() waits for the transport before failing. */
  connectTimeoutMs?: number;
}

/**
 * The stream of what the engine does, per experiment. It numbers each experiment's events, hands
 * every event to a sink (the event store) before anyone sees it, and sends it over a transport —
 * this process only, or Redis for a cluster. Every process listens to the transport once and fans
 * events out to its own subscribers: there is one subscribe path, whatever the transport.
 *
 * Over a shared transport an experiment's events are sent only once stored (see `settled`): a
 * subscriber on another process then never sees an event that a crash could lose, so the worker
 * that takes over an attempt continues the seq from the database with no gap and no duplicate.
 * Publishers never wait for listeners.
 */
export class EventBus {
  private readonly target = new CountingEventTarget();
  private readonly lastSeq = new Map<string, number>();
  /** Over a shared transport: events published here and not yet sent, per experiment, in seq order. */
  private readonly unsent = new Map<string, Map<number, UnsentEvent>>();
  private readonly channels: { events: string; changes: string };
  private sink: ((event: ExperimentEvent) => void) | null = null;
  private stopListening: (() => void)[] = [];
  /** Over a shared transport: reads stored events (after < seq < before) to fill a gap in what arrived. */
  private gapReader: GapReader | null = null;
  /** The last seq handed to this process's subscribers, per experiment. */
  private readonly dispatched = new Map<string, number>();
  /** Events that arrived while the gap before them is being read from the store, per experiment. */
  private readonly heldForGap = new Map<string, ExperimentEvent[]>();

  constructor(
    private readonly transport: EventTransport,
    private readonly options: EventBusOptions = {},
  ) {
    const prefix = options.channelPrefix ?? 'llmforge:';
    this.channels = {
      events: `${prefix}experiment-events`,
      changes: `${prefix}experiment-changes`,
    };
  }

  /** Starts listening to the transport; rejects when it cannot be reached in time. */
  async start(): Promise<void> {
    const timeoutMs = this.options.connectTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the event transport did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      this.stopListening = await Promise.race([
        Promise.all([
          this.transport.listen(this.channels.events, (message) =>
            this.fanOut(message as ExperimentEvent),
          ),
          this.transport.listen(this.channels.changes, (message) =>
            this.target.dispatchEvent(new CustomEvent(CHANGES, { detail: message })),
          ),
        ]),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    for (const stop of this.stopListening.splice(0)) stop();
    await this.transport.close();
  }

  /** Whether events can reach other processes right now. */
  check(): ReturnType<EventTransport['check']> {
    return this.transport.check();
  }

  /** Continues numbering where a previous process stopped. */
  seedSequences(lastSeqByExperiment: ReadonlyMap<string, number>): void {
    for (const [experimentId, seq] of lastSeqByExperiment) {
      this.lastSeq.set(experimentId, Math.max(seq, this.lastSeq.get(experimentId) ?? 0));
    }
  }

  /** Takes over the numbering of one experiment from the stored log (a worker resuming an attempt). */
  continueSequence(experimentId: string, lastStoredSeq: number): void {
    this.lastSeq.set(experimentId, lastStoredSeq);
  }

  /** Where every event goes first (durable storage), synchronously, in publishing order. */
  setSink(sink: (event: ExperimentEvent) => void): void {
    this.sink = sink;
  }

  /**
   * How this process reads events a worker stored but never sent: a worker killed between committing
   * events and sending them leaves a gap that its successor's events (numbered on from the store)
   * reveal. Without a reader such events reach only subscribers that replay from the store.
   */
  setGapReader(reader: GapReader): void {
    this.gapReader = reader;
  }

  publish(experimentId: string, attempt: number, body: ExperimentEventBody): ExperimentEvent {
    const seq = (this.lastSeq.get(experimentId) ?? 0) + 1;
    this.lastSeq.set(experimentId, seq);
    const event: ExperimentEvent = {
      ...body,
      experimentId,
      attempt,
      seq,
      at: new Date().toISOString(),
    };
    if (this.transport.shared)
      this.awaitingStorage(experimentId).set(seq, { event, state: 'unstored' });
    this.sink?.(event);
    if (!this.transport.shared) this.send(event);
    return event;
  }

  /**
   * Events committed (`stored`) or lost, reported by whoever wrote them. Over a shared transport an
   * experiment's events are written by two writers (sample results with their events, the rest
   * apart), so they may be stored out of order: each is sent once it and every event published
   * before it are settled, in seq order; a lost one is skipped. A local transport sent them at publish.
   */
  settled(events: readonly ExperimentEvent[], stored: boolean): void {
    if (!this.transport.shared) return;
    const touched = new Set<string>();
    for (const event of events) {
      const entry = this.unsent.get(event.experimentId)?.get(event.seq);
      if (!entry) continue;
      entry.state = stored ? 'stored' : 'lost';
      touched.add(event.experimentId);
    }
    for (const experimentId of touched) this.sendSettled(experimentId);
  }

  private awaitingStorage(experimentId: string): Map<number, UnsentEvent> {
    let waiting = this.unsent.get(experimentId);
    if (!waiting) {
      waiting = new Map();
      this.unsent.set(experimentId, waiting);
    }
    return waiting;
  }

  /** Sends the settled head of an experiment's events (a Map keeps publishing order). */
  private sendSettled(experimentId: string): void {
    const waiting = this.unsent.get(experimentId);
    if (!waiting) return;
    for (const [seq, entry] of waiting) {
      if (entry.state === 'unstored') return;
      waiting.delete(seq);
      if (entry.state === 'stored') this.send(entry.event);
    }
    this.unsent.delete(experimentId);
  }

  /** Whether the event store must report stored events back through `settled`. */
  get deliversOnStore(): boolean {
    return this.transport.shared;
  }

  publishChange(change: ExperimentChange): void {
    this.transport.publish(this.channels.changes, change);
  }

  /** Listens synchronously to one experiment, or to every experiment with '*'; returns the unsubscribe function. */
  subscribe(experimentId: string, listener: (event: ExperimentEvent) => void): () => void {
    return this.listen(experimentId === '*' ? ALL_EXPERIMENTS : topicOf(experimentId), listener);
  }

  /** Listens synchronously to the list of experiments (created, deleted, status changed). */
  subscribeChanges(listener: (change: ExperimentChange) => void): () => void {
    return this.listen(CHANGES, listener);
  }

  /** The changes as an async stream (for the experimentsChanged subscription); ends when the consumer stops. */
  changes(): Repeater<ExperimentChange> {
    return new Repeater<ExperimentChange>(async (push, stop) => {
      const unsubscribe = this.subscribeChanges((change) => {
        // A consumer more than the Repeater's queue behind is dropped rather than let the publisher throw.
        try {
          push(change).catch(() => undefined);
        } catch {
          unsubscribe();
          void stop();
        }
      });
      await stop;
      unsubscribe();
    });
  }

  /** Listeners on one experiment's topic, or on every topic. */
  listenerCount(experimentId?: string): number {
    return this.target.listenerCount(
      experimentId === undefined ? undefined : topicOf(experimentId),
    );
  }

  /** Resolves once at most `count` listeners remain on every topic together (proves subscribers were released). */
  whenListenersAtMost(count: number): Promise<void> {
    return this.target.whenAtMost(count);
  }

  lastSeqOf(experimentId: string): number {
    return this.lastSeq.get(experimentId) ?? 0;
  }

  /** Drops the numbering of a deleted experiment. */
  forget(experimentId: string): void {
    this.lastSeq.delete(experimentId);
    this.unsent.delete(experimentId);
    this.dispatched.delete(experimentId);
  }

  private send(event: ExperimentEvent): void {
    this.transport.publish(this.channels.events, event);
  }

  /** An event from the transport, to this process's subscribers, after any stored events it skips over. */
  private fanOut(event: ExperimentEvent): void {
    const { experimentId } = event;
    if (event.seq > (this.lastSeq.get(experimentId) ?? 0))
      this.lastSeq.set(experimentId, event.seq);
    const held = this.heldForGap.get(experimentId);
    if (held) {
      held.push(event);
      return;
    }
    const last = this.dispatched.get(experimentId);
    if (this.gapReader && this.transport.shared && last !== undefined && event.seq > last + 1) {
      this.heldForGap.set(experimentId, [event]);
      void this.fillGap(this.gapReader, experimentId, last, event.seq);
      return;
    }
    this.dispatch(event);
  }

  /** Hands the stored events of a gap to subscribers, then the events held behind it, in seq order. */
  private async fillGap(
    reader: GapReader,
    experimentId: string,
    after: number,
    before: number,
  ): Promise<void> {
    // The reader logs its own failures; the held events go on either way (replays still have them).
    const missing = await reader(experimentId, after, before).catch(() => []);
    const held = this.heldForGap.get(experimentId) ?? [];
    this.heldForGap.delete(experimentId);
    for (const event of missing) if (event.seq > after && event.seq < before) this.dispatch(event);
    for (const event of held) this.fanOut(event);
  }

  private dispatch(event: ExperimentEvent): void {
    const { experimentId } = event;
    if (event.seq > (this.dispatched.get(experimentId) ?? 0))
      this.dispatched.set(experimentId, event.seq);
    this.target.dispatchEvent(new CustomEvent(topicOf(experimentId), { detail: event }));
    this.target.dispatchEvent(new CustomEvent(ALL_EXPERIMENTS, { detail: event }));
  }

  private listen<T>(topic: string, listener: (value: T) => void): () => void {
    const handler = (event: Event) => listener((event as CustomEvent<T>).detail);
    this.target.addEventListener(topic, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.target.removeEventListener(topic, handler);
    };
  }
}

/** Stored events of an experiment with after < seq < before, in seq order. */
export type GapReader = (
  experimentId: string,
  after: number,
  before: number,
) => Promise<ExperimentEvent[]>;

const ALL_EXPERIMENTS = 'experiment:*';
const CHANGES = 'experiments:changed';
const topicOf = (experimentId: string) => `experiment:${experimentId}`;
