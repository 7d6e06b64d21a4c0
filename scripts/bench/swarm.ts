/**
 * Many WebSocket subscribers of one experiment's event stream, in a process of their own, so that the
 * benchmark's subscribers never share the server's event loop (nor the benchmark's own).
 *
 *   tsx scripts/bench/swarm.ts '{"url":"http://127.0.0.1:4000","experimentId":"…","subscribers":1000}'
 *
 * Each subscriber is one socket speaking the graphql-transport-ws protocol directly (on `ws`, without
 * the graphql-ws client: a thousand clients in one process must cost little per message) and
 * subscribes to `experimentEvents(after: 0)` with the same selection, or with `batchDelayMs` to
 * `experimentEventBatches(after: 0, maxDelayMs)` as the web client's live feed does. It checks that it
 * sees every seq from 1, each once and in order, up to the terminal status event. A subscriber told `StreamOverflow`
 * resumes after its last seq, as a real client would; overflows are counted.
 *
 * Talks to its parent in JSON lines on stdout: `{"ready":n}` once every socket is acknowledged and has
 * subscribed, then `{"result":{…}}` when every subscriber has ended (or on SIGTERM, with what it has).
 */
import WebSocket from 'ws';

interface SwarmSettings {
  url: string;
  experimentId: string;
  subscribers: number;
  token?: string | null;
  /** Follow with experimentEventBatches(maxDelayMs: this) instead of one frame per event. */
  batchDelayMs?: number | null;
}

export interface SwarmResult {
  subscribers: number;
  /** Subscribers that saw seq 1..last, each once, in order, and the terminal status event. */
  complete: number;
  /** Events each subscriber received (min and max over subscribers). */
  eventsMin: number;
  eventsMax: number;
  /** Events received by all subscribers together. */
  eventsTotal: number;
  /** Seq of the terminal event, as the first subscriber to end saw it. */
  lastSeq: number;
  outOfOrder: number;
  overflows: number;
  errors: string[];
  /** ms from the `go` line (the run was requested) to the last subscriber's terminal event. */
  lastEventAtMs: number | null;
  /** When the last subscriber got its terminal event, in ms since the epoch (to compare with the server's times). */
  lastEventAtEpochMs: number | null;
  /** CPU this process used, ms. */
  cpuMs: number;
}

export const SWARM_QUERY = `subscription Watch($id: ID!, $after: Int) {
  experimentEvents(experimentId: $id, after: $after) {
    __typename seq
    ... on ExperimentProgress { done total }
    ... on ExperimentStatusChanged { status error }
  }
}`;

export const SWARM_BATCH_QUERY = `subscription Watch($id: ID!, $after: Int, $ms: Int) {
  experimentEventBatches(experimentId: $id, after: $after, maxDelayMs: $ms) { events {
    __typename seq
    ... on ExperimentProgress { done total }
    ... on ExperimentStatusChanged { status error }
  } }
}`;

interface BatchedEvent {
  __typename: string;
  seq: number;
  status?: string;
}

const TERMINAL_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
/** How the server frames an event of SWARM_QUERY: data first, fields in selection order. */
const EVENT_HEAD = '"payload":{"data":{"experimentEvents":{"__typename":"';
/** Events that neither end a subscriber's stream nor restart it: only their seq matters. */
const PLAIN_EVENTS = ['SampleCompleted","seq":', 'ExperimentProgress","seq":'];

class Subscriber {
  lastSeq = 0;
  events = 0;
  outOfOrder = 0;
  overflows = 0;
  ended = false;
  endedAt: number | null = null;
  error: string | null = null;
  private socket: WebSocket;
  private operation = 0;

  constructor(
    private readonly settings: SwarmSettings,
    private readonly onReady: () => void,
    private readonly onEnd: () => void,
  ) {
    // ws's UTF-8 check of every frame is left out (0.14-0.24 µs a frame in ws's receiver, measured):
    // the server's text frames are checked as UTF-8 by its tests (test/subscriptions/text-frames.test.ts).
    this.socket = new WebSocket(
      `${settings.url.replace(/^http/, 'ws')}/graphql`,
      'graphql-transport-ws',
      { skipUTF8Validation: true },
    );
    this.socket.on('open', () =>
      this.send({
        type: 'connection_init',
        payload: settings.token ? { authorization: `Bearer ${settings.token}` } : {},
      }),
    );
    this.socket.on('message', (data) => this.receive(data.toString()));
    this.socket.on('error', (error) => this.fail(error.message));
    this.socket.on('close', (code) => {
      if (!this.ended) this.fail(`socket closed (${code}) before the terminal event`);
    });
  }

  close(): void {
    this.socket.terminate();
  }

  private subscribe(): void {
    this.operation += 1;
    const { batchDelayMs, experimentId } = this.settings;
    this.send({
      id: String(this.operation),
      type: 'subscribe',
      payload: batchDelayMs
        ? {
            query: SWARM_BATCH_QUERY,
            variables: { id: experimentId, after: this.lastSeq, ms: batchDelayMs },
          }
        : { query: SWARM_QUERY, variables: { id: experimentId, after: this.lastSeq } },
    });
  }

  private receive(text: string): void {
    if (text.includes('"type":"next"')) {
      if (this.settings.batchDelayMs) this.receiveBatch(text);
      else this.receiveEvent(text);
      return;
    }
    const message = JSON.parse(text) as { type: string; payload?: unknown };
    if (message.type === 'connection_ack') {
      this.subscribe();
      this.onReady();
    } else if (message.type === 'ping') this.send({ type: 'pong' });
    else if (message.type === 'error') this.fail(JSON.stringify(message.payload).slice(0, 300));
  }

  /**
   * A `next` frame of experimentEvents, the hot path: a sample or progress event without errors
   * (nearly every frame) is read by its seq alone, since this process shares the machine's cores with
   * the server it measures; any other frame is parsed whole.
   */
  private receiveEvent(text: string): void {
    const at = text.indexOf(EVENT_HEAD);
    // `}}}}` closes event, experimentEvents, data and the message: an `errors` member would end it.
    if (at >= 0 && text.endsWith('}}}}')) {
      const typename = at + EVENT_HEAD.length;
      for (const plain of PLAIN_EVENTS) {
        if (!text.startsWith(plain, typename)) continue;
        const seq = typename + plain.length;
        this.count(Number.parseInt(text.slice(seq, seq + 12), 10));
        return;
      }
    }
    const { payload } = JSON.parse(text) as {
      payload: { errors?: unknown[]; data?: { experimentEvents: BatchedEvent } | null };
    };
    const event = payload.data?.experimentEvents;
    if (payload.errors || !event) this.fail(text.slice(0, 300));
    else this.take(event);
  }

  /** A batch frame: a few per second, so a full parse costs nothing that matters. */
  private receiveBatch(text: string): void {
    const message = JSON.parse(text) as {
      payload: {
        errors?: unknown[];
        data?: { experimentEventBatches: { events: BatchedEvent[] } };
      };
    };
    const events = message.payload.data?.experimentEventBatches.events;
    if (message.payload.errors || !events) {
      this.fail(text.slice(0, 300));
      return;
    }
    for (const event of events) if (!this.take(event)) return;
  }

  /** Counts one event; false when it was a StreamOverflow (the subscriber has resubscribed). */
  private take(event: BatchedEvent): boolean {
    if (event.__typename === 'StreamOverflow') {
      this.overflows += 1;
      this.subscribe();
      return false;
    }
    this.count(event.seq);
    if (event.__typename === 'ExperimentStatusChanged' && TERMINAL_STATUSES.has(event.status ?? ''))
      this.end();
    return true;
  }

  private count(seq: number): void {
    this.events += 1;
    if (seq !== this.lastSeq + 1) this.outOfOrder += 1;
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  private end(): void {
    this.ended = true;
    this.endedAt = performance.now();
    this.socket.close(1000);
    this.onEnd();
  }

  private send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  private fail(message: string): void {
    if (this.ended || this.error) return;
    this.error = message;
    this.ended = true;
    this.onEnd();
  }
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as SwarmSettings;
  const cpuAtStart = process.cpuUsage();
  let goAt = performance.now();
  let ready = 0;
  let ended = 0;
  const subscribers: Subscriber[] = [];
  const report = () => {
    const cpu = process.cpuUsage(cpuAtStart);
    const counts = subscribers.map((s) => s.events);
    const ends = subscribers.map((s) => s.endedAt).filter((t): t is number => t !== null);
    const lastEnd = ends.length === subscribers.length ? Math.max(...ends) : null;
    const lastSeq = Math.max(0, ...subscribers.filter((s) => s.ended).map((s) => s.lastSeq));
    const result: SwarmResult = {
      subscribers: subscribers.length,
      complete: subscribers.filter(
        (s) => s.ended && !s.error && s.outOfOrder === 0 && s.lastSeq === lastSeq,
      ).length,
      eventsMin: Math.min(...counts),
      eventsMax: Math.max(...counts),
      eventsTotal: counts.reduce((sum, n) => sum + n, 0),
      lastSeq,
      outOfOrder: subscribers.reduce((sum, s) => sum + s.outOfOrder, 0),
      overflows: subscribers.reduce((sum, s) => sum + s.overflows, 0),
      errors: [...new Set(subscribers.map((s) => s.error).filter((e): e is string => !!e))].slice(
        0,
        5,
      ),
      lastEventAtMs: lastEnd === null ? null : lastEnd - goAt,
      lastEventAtEpochMs: lastEnd === null ? null : performance.timeOrigin + lastEnd,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    process.stdout.write(`${JSON.stringify({ result })}\n`);
    for (const subscriber of subscribers) subscriber.close();
    process.exit(0);
  };
  process.once('SIGTERM', report);
  // The parent writes "go" when it starts the run: end times are measured from there.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (chunk.includes('go')) goAt = performance.now();
  });
  for (let i = 0; i < settings.subscribers; i++) {
    subscribers.push(
      new Subscriber(
        settings,
        () => {
          ready += 1;
          if (ready === settings.subscribers)
            process.stdout.write(`${JSON.stringify({ ready })}\n`);
        },
        () => {
          ended += 1;
          if (ended === settings.subscribers) report();
        },
      ),
    );
    // Open the sockets a few at a time: a thousand simultaneous upgrades overflow the listen backlog.
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

void main();
