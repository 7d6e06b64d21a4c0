import { Repeater } from 'graphql-yoga';
import type { ExperimentStatus } from '../db/entities/experiment.entity.ts';
import {
  isTerminalEvent,
  TERMINAL_STATUSES,
  type EventBus,
  type ExperimentEvent,
} from './event-bus.ts';
import type { EventStore } from './event-store.ts';
import { mergeBySeq, overflow, type StreamItem } from './event-stream.ts';

/**
 * Where one subscriber's frames go: a transport connection that takes pre-serialized payloads
 * (a WebSocket writes `{"id":…,"type":"next","payload":<json>}` without parsing or stringifying it again).
 */
export interface FrameSink {
  /** Writes one `next` message carrying this payload (an ExecutionResult). */
  send(payload: SharedPayload): void;
  /** Bytes accepted but not yet handed to the network: the kernel's buffers are full. */
  readonly bufferedAmount: number;
  readonly open: boolean;
  /** Holds writes until `uncork`, so the frames of one flush leave in one system call. */
  cork(): void;
  uncork(): void;
  /** Resolves once the buffered bytes have gone out (or the connection closed). */
  drained(): Promise<void>;
}

/**
 * One selection set of a subscription, with whatever its variables are, made into payloads. Two
 * subscribers with the same `key` get byte-identical payloads for the same events.
 */
export interface Selection {
  key: string;
  /** The payload (JSON of an ExecutionResult) of one frame carrying these items. */
  render(items: readonly StreamItem[]): string;
}

export interface FollowOptions {
  experimentId: string;
  /** Deliver events with a larger seq. */
  after: number;
  status: ExperimentStatus;
  currentAttempt: number;
  /** Live events a subscriber may have waiting while it replays before it is cut off. */
  bufferSize: number;
  /** Bytes a live subscriber's connection may hold unsent before it is cut off with a StreamOverflow. */
  maxBufferedBytes: number;
  /** 0: one event per frame; else events are gathered for this long into one frame. */
  batchDelayMs: number;
}

/** Counts of selection executions by why they ran, and of frames written. */
export interface FanOutStats {
  /** Once per live event (or batch) per distinct selection, whatever the number of subscribers. */
  shared: number;
  /** A subscriber's own replay of stored events. */
  replay: number;
  /** A subscriber that needed part of a shared frame (joining mid-batch, ending mid-batch, overflow). */
  own: number;
  /** Frames written to connections. */
  frames: number;
}

/**
 * The JSON of one payload, serialized once for every subscriber that gets it, and the bytes a
 * transport sends for it, encoded once on first use: every connection writes the same bytes.
 */
export class SharedPayload {
  private encoder: ((json: string) => Buffer) | null = null;
  private bytes: Buffer | null = null;
  constructor(readonly json: string) {}
  /** `encode(json)`, computed once however many connections send it (one transport encodes these). */
  encoded(encode: (json: string) => Buffer): Buffer {
    if (this.encoder !== encode || !this.bytes) {
      this.bytes = encode(this.json);
      this.encoder = encode;
    }
    return this.bytes;
  }
}

/** Events of a replay gathered into one frame of the batched form. */
const REPLAY_EVENTS_PER_FRAME = 500;

interface Frame {
  events: readonly ExperimentEvent[];
  payload: SharedPayload;
}

/**
 * Execute once, send to many. Subscribers of one experiment with the same selection (`Selection.key`)
 * form a group: the group listens to the bus once, executes the selection once per live event (or
 * per batch), serializes the result once, and writes that text to each member's connection. The
 * engine's publish only appends to the group's list and schedules a flush: it never waits for a
 * subscriber, and a slow one is cut off by its own unsent bytes, never by slowing anyone else.
 */
export class FanOut {
  readonly stats: FanOutStats = { shared: 0, replay: 0, own: 0, frames: 0 };
  private readonly groups = new Map<string, FeedGroup>();
  private members = 0;
  private readonly watchers = new Set<() => void>();

  constructor(
    private readonly bus: EventBus,
    private readonly store: EventStore,
  ) {}

  /** Subscribers following through the fan-out now (replaying or live). */
  get subscriberCount(): number {
    return this.members;
  }

  /** Resolves once at least `count` subscribers follow through the fan-out (tests start a run then). */
  whenSubscribers(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.members < count) return;
        this.watchers.delete(check);
        resolve();
      };
      this.watchers.add(check);
      check();
    });
  }

  /** Groups alive now (one per experiment × selection × batch delay with live subscribers). */
  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * One subscriber: its own replay after `after`, then the group's shared frames, with no gap and no
   * duplicate. Everything is written to `sink`; the returned stream yields nothing and ends when the
   * subscriber's stream ends (terminal status of its attempt, overflow, or the client leaving).
   */
  follow(sink: FrameSink, selection: Selection, options: FollowOptions): Repeater<never> {
    return new Repeater<never>(async (_push, stop) => {
      const { experimentId } = options;
      const groupKey = `${experimentId}\u0000${options.batchDelayMs}\u0000${selection.key}`;
      let group = this.groups.get(groupKey);
      if (!group) {
        group = new FeedGroup(this, experimentId, selection, options.batchDelayMs, () =>
          this.groups.delete(groupKey),
        );
        this.groups.set(groupKey, group);
      }
      const member = new Member(this, sink, selection, options);
      // Joined before the replay bound is read: anything published after it reaches the member's queue.
      group.add(member);
      this.members++;
      for (const watcher of [...this.watchers]) watcher();
      let stopped = false;
      void stop.then(() => {
        stopped = true;
        member.finish();
      });
      try {
        const replayUpTo = this.bus.lastSeqOf(experimentId);
        const replay = mergeBySeq(
          this.store.stored(experimentId, options.after, replayUpTo, () => stopped),
          this.store.pendingOf(experimentId),
        );
        let chunk: ExperimentEvent[] = [];
        const sendChunk = () => {
          if (chunk.length === 0) return;
          this.stats.replay++;
          member.write(chunk, new SharedPayload(selection.render(chunk)));
          chunk = [];
        };
        let ended = false;
        for (;;) {
          const next = await Promise.race([replay.next(), stop.then(() => null)]);
          if (next === null || stopped || !sink.open) {
            replay.return(undefined).catch(() => undefined);
            return;
          }
          if (next.done) break;
          const event = next.value;
          if (event.seq <= member.lastSeq || event.seq > replayUpTo) continue;
          chunk.push(event);
          member.lastSeq = event.seq;
          ended = member.isEnd(event);
          if (options.batchDelayMs === 0 || chunk.length >= REPLAY_EVENTS_PER_FRAME || ended)
            sendChunk();
          if (ended) break;
          // A replay is paced by its reader (it is nobody's live stream): wait for the bytes to leave.
          if (sink.bufferedAmount > options.maxBufferedBytes) {
            sendChunk();
            await Promise.race([sink.drained(), stop]);
          }
        }
        sendChunk();
        // Nothing more will come for an experiment that already ended and was fully replayed.
        if (ended || (TERMINAL_STATUSES.has(options.status) && member.queuedEvents === 0)) return;
        member.goLive();
        await Promise.race([member.finished, stop]);
      } finally {
        member.finish();
        this.members--;
        stop();
      }
    });
  }

  /** @internal */
  count(kind: keyof FanOutStats, n = 1): void {
    this.stats[kind] += n;
  }

  /** @internal */
  listen(experimentId: string, listener: (event: ExperimentEvent) => void): () => void {
    return this.bus.subscribe(experimentId, listener);
  }
}

/** The subscribers of one experiment with one selection (and one batch delay). */
class FeedGroup {
  private readonly members = new Set<Member>();
  private pending: ExperimentEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly fanOut: FanOut,
    experimentId: string,
    private readonly selection: Selection,
    private readonly delayMs: number,
    private readonly onEmpty: () => void,
  ) {
    // O(1) for the publisher: append and schedule; the work happens in the flush. A batch that holds
    // the end of a run goes out at once: nothing more will join it, and the run's watchers would
    // otherwise learn of its end up to a batch delay late.
    this.unsubscribe = fanOut.listen(experimentId, (event) => {
      this.pending.push(event);
      if (delayMs === 0 || isTerminalEvent(event))
        this.immediate ??= setImmediate(() => this.flush());
      else this.timer ??= setTimeout(() => this.flush(), delayMs);
    });
  }

  add(member: Member): void {
    this.members.add(member);
    member.leave = () => {
      this.members.delete(member);
      if (this.members.size > 0) return;
      this.unsubscribe();
      this.cancelFlush();
      this.onEmpty();
    };
  }

  private cancelFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private flush(): void {
    this.cancelFlush();
    const events = this.pending;
    this.pending = [];
    if (events.length === 0 || this.members.size === 0) return;
    let frames: Frame[];
    try {
      frames =
        this.delayMs > 0
          ? [{ events, payload: new SharedPayload(this.selection.render(events)) }]
          : events.map((event) => ({
              events: [event],
              payload: new SharedPayload(this.selection.render([event])),
            }));
    } catch {
      // Not expected (event fields are plain reads); never let it escape into the event loop: the
      // members' streams end, and a client resubscribing with `after` gets a replay of its own.
      for (const member of [...this.members]) member.finish();
      return;
    }
    this.fanOut.count('shared', frames.length);
    for (const member of [...this.members]) member.offer(frames);
  }
}

/** One subscriber of a group. */
class Member {
  lastSeq: number;
  private lastAttempt: number;
  /** Shared frames held while the member replays. */
  private readonly queue: Frame[] = [];
  queuedEvents = 0;
  private overflowed = false;
  private live = false;
  private done = false;
  private resolveFinished: () => void = () => {};
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));
  leave: () => void = () => {};

  constructor(
    private readonly fanOut: FanOut,
    private readonly sink: FrameSink,
    private readonly selection: Selection,
    private readonly options: FollowOptions,
  ) {
    this.lastSeq = options.after;
    this.lastAttempt = options.currentAttempt;
  }

  /** The terminal status event of the attempt this member follows. */
  isEnd(event: ExperimentEvent): boolean {
    this.lastAttempt = event.attempt;
    return isTerminalEvent(event) && event.attempt >= this.options.currentAttempt;
  }

  write(events: readonly ExperimentEvent[], payload: SharedPayload): void {
    this.fanOut.count('frames');
    this.sink.send(payload);
    this.lastSeq = (events.at(-1) as ExperimentEvent).seq;
  }

  offer(frames: readonly Frame[]): void {
    if (this.done) return;
    if (!this.live) {
      if (this.overflowed) return;
      for (const frame of frames) {
        if (this.queuedEvents + frame.events.length > this.options.bufferSize) {
          this.overflowed = true;
          return;
        }
        this.queue.push(frame);
        this.queuedEvents += frame.events.length;
      }
      return;
    }
    this.deliver(frames);
  }

  /** Replay is over: the frames held meanwhile go out, and later ones as they come. */
  goLive(): void {
    if (this.done) return;
    this.live = true;
    const held = this.queue.splice(0);
    this.queuedEvents = 0;
    this.deliver(held);
    if (this.overflowed && !this.done) this.cutOff();
  }

  private deliver(frames: readonly Frame[]): void {
    // Measured before this flush's own writes (corked writes count as buffered until uncorked).
    if (this.sink.bufferedAmount > this.options.maxBufferedBytes) {
      this.cutOff();
      return;
    }
    this.sink.cork();
    try {
      for (const frame of frames) {
        if (this.done) return;
        if (!this.sink.open) {
          this.finish();
          return;
        }
        // Only what this member has not had, up to the end of its attempt.
        let from = 0;
        while (
          from < frame.events.length &&
          (frame.events[from] as ExperimentEvent).seq <= this.lastSeq
        )
          from++;
        if (from === frame.events.length) continue;
        let to = from;
        let ends = false;
        while (to < frame.events.length) {
          ends = this.isEnd(frame.events[to++] as ExperimentEvent);
          if (ends) break;
        }
        if (from === 0 && to === frame.events.length) this.write(frame.events, frame.payload);
        else {
          const part = frame.events.slice(from, to);
          this.fanOut.count('own');
          this.write(part, new SharedPayload(this.selection.render(part)));
        }
        if (ends) {
          this.finish();
          return;
        }
      }
    } finally {
      this.sink.uncork();
    }
  }

  /** Tells the subscriber where it stopped, and ends its stream. */
  private cutOff(): void {
    this.fanOut.count('own');
    this.fanOut.count('frames');
    const reason = this.live
      ? `${this.options.maxBufferedBytes} bytes were waiting to be sent to this subscriber`
      : `${this.options.bufferSize} events were waiting for this subscriber`;
    const end = overflow(this.options.experimentId, this.lastSeq, this.lastAttempt, reason);
    this.sink.send(new SharedPayload(this.selection.render([end])));
    this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.leave();
    this.resolveFinished();
  }
}
