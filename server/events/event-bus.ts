import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { ExperimentStatus } from '../db/entities/experiment.entity.ts';
import type { AgentStepReport } from '../engine/methods/method.ts';
import type { SampleRecord } from '../engine/runner.ts';

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
export type ExperimentEventBody = SampleCompletedEvent | ExperimentProgressEvent | ExperimentStatusChangedEvent | AgentStepEvent;

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

export const TERMINAL_STATUSES: ReadonlySet<ExperimentStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

type Topics = {
  experiment: [experimentId: string, event: ExperimentEvent];
  'experiment:*': [event: ExperimentEvent];
  'experiments:changed': [change: ExperimentChange];
};

/** An EventTarget that can say how many listeners each topic has (to prove subscribers are released). */
class CountingEventTarget extends EventTarget {
  private readonly counts = new Map<string, number>();
  private readonly watchers = new Set<() => void>();

  constructor() {
    super();
    // One listener per live subscriber; Node's default limit of 10 is a leak heuristic, not a capacity.
    setMaxListeners(0, this);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    super.addEventListener(type, listener, options);
    if (listener) this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
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

/**
 * The stream of what the engine does, per experiment, on graphql-yoga's pub/sub (so a Redis event
 * target can replace the in-process one). It numbers each experiment's events and hands every event
 * to an optional sink (the event store) before anyone sees it. Publishers never wait for listeners.
 */
export class EventBus {
  readonly pubsub: PubSub<Topics>;
  private readonly target = new CountingEventTarget();
  private readonly lastSeq = new Map<string, number>();
  private sink: ((event: ExperimentEvent) => void) | null = null;

  constructor() {
    this.pubsub = createPubSub<Topics>({ eventTarget: this.target });
  }

  /** Continues numbering where a previous process stopped. */
  seedSequences(lastSeqByExperiment: ReadonlyMap<string, number>): void {
    for (const [experimentId, seq] of lastSeqByExperiment) {
      this.lastSeq.set(experimentId, Math.max(seq, this.lastSeq.get(experimentId) ?? 0));
    }
  }

  /** Where every event goes first (durable storage), synchronously, in publishing order. */
  setSink(sink: (event: ExperimentEvent) => void): void {
    this.sink = sink;
  }

  publish(experimentId: string, attempt: number, body: ExperimentEventBody): ExperimentEvent {
    const seq = (this.lastSeq.get(experimentId) ?? 0) + 1;
    this.lastSeq.set(experimentId, seq);
    const event: ExperimentEvent = { ...body, experimentId, attempt, seq, at: new Date().toISOString() };
    this.sink?.(event);
    this.pubsub.publish('experiment', experimentId, event);
    this.pubsub.publish('experiment:*', event);
    return event;
  }

  publishChange(change: ExperimentChange): void {
    this.pubsub.publish('experiments:changed', change);
  }

  /** Listens synchronously to one experiment, or to every experiment with '*'; returns the unsubscribe function. */
  subscribe(experimentId: string, listener: (event: ExperimentEvent) => void): () => void {
    const topic = experimentId === '*' ? 'experiment:*' : `experiment:${experimentId}`;
    const handler = (event: Event) => listener((event as CustomEvent<ExperimentEvent>).detail);
    this.target.addEventListener(topic, handler);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.target.removeEventListener(topic, handler);
    };
  }

  /** Listeners on one experiment's topic, or on every topic. */
  listenerCount(experimentId?: string): number {
    return this.target.listenerCount(experimentId === undefined ? undefined : `experiment:${experimentId}`);
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
  }
}
