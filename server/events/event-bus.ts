import { EventEmitter } from 'node:events';
import type { ExperimentStatus } from '../db/entities/experiment.entity.ts';
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
export type ExperimentEventBody = SampleCompletedEvent | ExperimentProgressEvent | ExperimentStatusChangedEvent;

/** An event as delivered: JSON-serialisable, numbered per experiment (the first is 1). */
export type ExperimentEvent = ExperimentEventBody & {
  experimentId: string;
  attempt: number;
  seq: number;
  at: string;
};

/**
 * The in-process stream of what the engine does, per experiment. Publishers never wait for listeners;
 * listeners that need durability or replay sit on top of this (the subscriptions layer).
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly lastSeq = new Map<string, number>();

  constructor() {
    // One listener per live subscriber; the default limit of 10 is a leak detector, not a capacity.
    this.emitter.setMaxListeners(0);
  }

  publish(experimentId: string, attempt: number, body: ExperimentEventBody): ExperimentEvent {
    const seq = (this.lastSeq.get(experimentId) ?? 0) + 1;
    this.lastSeq.set(experimentId, seq);
    const event: ExperimentEvent = { ...body, experimentId, attempt, seq, at: new Date().toISOString() };
    this.emitter.emit(experimentId, event);
    this.emitter.emit('*', event);
    return event;
  }

  /** Listens to one experiment (or every experiment with '*'); returns the function that stops listening. */
  subscribe(experimentId: string, listener: (event: ExperimentEvent) => void): () => void {
    this.emitter.on(experimentId, listener);
    return () => this.emitter.off(experimentId, listener);
  }

  listenerCount(experimentId: string): number {
    return this.emitter.listenerCount(experimentId);
  }

  forget(experimentId: string): void {
    this.lastSeq.delete(experimentId);
  }
}
