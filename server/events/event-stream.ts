import type { ExperimentStatus } from '../db/entities/experiment.entity.ts';
import { Repeater } from 'graphql-yoga';
import {
  isTerminalEvent,
  TERMINAL_STATUSES,
  type EventBus,
  type ExperimentEvent,
} from './event-bus.ts';
import type { EventStore } from './event-store.ts';

/** Told to a subscriber that fell too far behind; it can resume with `after: lastDeliveredSeq`. */
export interface StreamOverflow {
  type: 'StreamOverflow';
  experimentId: string;
  /** The seq of the last event delivered before the overflow. */
  seq: number;
  attempt: number;
  at: string;
  message: string;
}

export type StreamItem = ExperimentEvent | StreamOverflow;

export interface EventStreamOptions {
  experimentId: string;
  /** Deliver events with a larger seq (0 replays everything). */
  after: number;
  /** The experiment's state when the subscription starts. */
  status: ExperimentStatus;
  currentAttempt: number;
  /** Live events a subscriber may have waiting before it is cut off with a StreamOverflow. */
  bufferSize: number;
}

/**
 * One subscriber's stream: every stored event after `after`, then live ones, with no gap and no
 * duplicate, ending after the terminal status event of the current attempt.
 *
 * Ordering argument: the live subscription starts first; then the not-yet-committed events are
 * copied; then the database is read. An event published before the live subscription started is
 * either committed before the copy (so the database read, which starts after it, sees it) or still
 * pending at the copy. Anything later arrives live. Duplicates are dropped by seq. Over Redis the
 * bus delivers an event only once it is committed and this process listens from start-up, so an
 * event is either committed before the database read or arrives live; the argument holds unchanged.
 */
export function experimentEventStream(
  bus: EventBus,
  store: EventStore,
  options: EventStreamOptions,
): Repeater<StreamItem> {
  // A Repeater, not an async generator: a client that goes away must release its listener at once,
  // even while the stream is waiting for the next event (a generator cannot return mid-await).
  return new Repeater<StreamItem>(async (push, stop) => {
    const { experimentId } = options;
    const live = new BoundedQueue<ExperimentEvent>(options.bufferSize);
    // A synchronous listener on the bus: events go straight into this subscriber's bounded queue.
    // (Iterating an async iterator would put a Repeater queue of its own in between,
    // which throws inside the publisher once 1 024 events wait — a burst could crash the engine.)
    const unsubscribe = bus.subscribe(experimentId, (event) => {
      if (!live.push(event)) unsubscribe();
    });
    let stopped = false;
    void stop.then(() => {
      stopped = true;
      live.close();
    });
    let lastSeq = options.after;
    let lastAttempt = options.currentAttempt;
    const deliver = async (event: ExperimentEvent): Promise<boolean> => {
      if (event.seq <= lastSeq) return false;
      lastSeq = event.seq;
      lastAttempt = event.attempt;
      await push(event);
      return isTerminalEvent(event) && event.attempt >= options.currentAttempt;
    };
    try {
      // Everything up to the last seq published so far is stored or pending now; everything after it
      // reaches the live queue. The replay stops there: results and their events commit out of seq
      // order, so a stored read beyond it could deliver a later event before an earlier live one.
      const replayUpTo = bus.lastSeqOf(experimentId);
      const pending = store.pendingOf(experimentId);
      let ended = false;
      const replay = mergeBySeq(
        store.stored(experimentId, options.after, replayUpTo, () => stopped),
        pending,
      );
      for (;;) {
        // A client that goes away mid-replay is released at once, not after the page read in flight
        // (hundreds of cut-off subscribers used to keep the database busy for seconds).
        const next = await Promise.race([replay.next(), stop.then(() => null)]);
        if (next === null || stopped) {
          replay.return(undefined).catch(() => undefined);
          return;
        }
        if (next.done) break;
        if (await deliver(next.value)) ended = true;
      }
      // Nothing more will come for an experiment that already ended and was fully replayed.
      if (ended || (TERMINAL_STATUSES.has(options.status) && live.size === 0)) return;
      while (!stopped) {
        const event = await live.take();
        if (event === CLOSED) return;
        if (event === OVERFLOW) {
          await push(
            overflow(
              experimentId,
              lastSeq,
              lastAttempt,
              `${options.bufferSize} events were waiting for this subscriber`,
            ),
          );
          return;
        }
        if (await deliver(event)) return;
      }
    } finally {
      stop();
      unsubscribe();
    }
  });
}

/**
 * Stored and pending events merged in seq order, each once. Pending events are not all newer than the
 * stored ones: a sample's SampleCompleted commits with its result, possibly after later events did.
 */
export async function* mergeBySeq(
  stored: AsyncGenerator<ExperimentEvent>,
  pending: readonly ExperimentEvent[],
): AsyncGenerator<ExperimentEvent> {
  const waiting = [...pending].sort((a, b) => a.seq - b.seq);
  let next = 0;
  for await (const event of stored) {
    while (next < waiting.length && (waiting[next] as ExperimentEvent).seq < event.seq)
      yield waiting[next++] as ExperimentEvent;
    if (next < waiting.length && (waiting[next] as ExperimentEvent).seq === event.seq) next++;
    yield event;
  }
  while (next < waiting.length) yield waiting[next++] as ExperimentEvent;
}

/** The last item of a stream cut off because `waiting` (what was held for it) grew too large. */
export function overflow(
  experimentId: string,
  seq: number,
  attempt: number,
  waiting: string,
): StreamOverflow {
  return {
    type: 'StreamOverflow',
    experimentId,
    seq,
    attempt,
    at: new Date().toISOString(),
    message: `more than ${waiting}; resubscribe with after: ${seq} to continue`,
  };
}

const OVERFLOW = Symbol('overflow');
const CLOSED = Symbol('closed');

/** A FIFO that holds at most `capacity` items; the first push beyond that marks it overflowed. */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private overflowed = false;
  private closed = false;
  private waiter: ((value: T | typeof OVERFLOW | typeof CLOSED) => void) | null = null;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Wakes a waiting taker with CLOSED; every later take gets CLOSED too. */
  close(): void {
    this.closed = true;
    const resolve = this.waiter;
    this.waiter = null;
    resolve?.(CLOSED);
  }

  /** False once the queue has overflowed or closed: stop feeding it. */
  push(item: T): boolean {
    if (this.overflowed || this.closed) return false;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(item);
      return true;
    }
    if (this.size >= this.capacity) {
      this.overflowed = true;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** The next item, or OVERFLOW once the items queued before the overflow are taken, or CLOSED. */
  take(): Promise<T | typeof OVERFLOW | typeof CLOSED> {
    if (this.closed) return Promise.resolve(CLOSED);
    if (this.size > 0) {
      const item = this.items[this.head++] as T;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve(item);
    }
    if (this.overflowed) return Promise.resolve(OVERFLOW);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

/** Events delivered together by the batched subscription. */
export interface EventBatch {
  events: StreamItem[];
}

/**
 * A subscriber's stream gathered into batches: the first event opens a batch, which goes out
 * `maxDelayMs` later with every event that came meanwhile (or at once when the stream ends). While
 * the consumer is busy with a batch nothing is pulled, so the inner stream's bounded queue — and its
 * StreamOverflow — apply unchanged; the seq stays contiguous across batches.
 */
export function batchedStream(
  inner: Repeater<StreamItem>,
  maxDelayMs: number,
): Repeater<EventBatch> {
  return new Repeater<EventBatch>(async (push, stop) => {
    let timer: NodeJS.Timeout | undefined;
    const stopped = stop.then((): typeof STOPPED => STOPPED);
    try {
      let next = inner.next();
      for (;;) {
        const first = await Promise.race([next, stopped]);
        if (first === STOPPED || first.done) return;
        const events: StreamItem[] = [first.value];
        const deadline = new Promise<typeof DEADLINE>((resolve) => {
          timer = setTimeout(() => resolve(DEADLINE), maxDelayMs);
        });
        let ended = false;
        for (;;) {
          next = inner.next();
          const item = await Promise.race([next, deadline, stopped]);
          if (item === STOPPED) return;
          if (item === DEADLINE) break;
          if (item.done) {
            ended = true;
            break;
          }
          events.push(item.value);
        }
        clearTimeout(timer);
        await push({ events });
        if (ended) return;
      }
    } finally {
      clearTimeout(timer);
      stop();
      inner.return().catch(() => undefined);
    }
  });
}

const STOPPED: unique symbol = Symbol('stopped');
const DEADLINE: unique symbol = Symbol('deadline');
