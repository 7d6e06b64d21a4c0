import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface StreamEvent {
  __typename: string;
  seq: number;
  done?: number;
  total?: number;
  status?: string;
  error?: string | null;
}

/** Statuses an attempt ends in. */
export const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/** What a follower reads of each SampleCompleted event: its seq only, or what a live dashboard shows. */
export type SampleDetail = 'seq' | 'fields';

const followQuery = (detail: SampleDetail) => `subscription Follow($id: ID!, $after: Int) {
  experimentEvents(experimentId: $id, after: $after) {
    __typename seq
    ${detail === 'fields' ? '... on SampleCompleted { sampleIndex correct cacheHit cacheTier latencyMs timings { phase ms } }' : ''}
    ... on ExperimentProgress { done total }
    ... on ExperimentStatusChanged { status error }
  }
}`;

/** The benchmark's only way into the server: GraphQL over HTTP, and subscriptions over graphql-ws. */
export class BenchClient {
  private socket: Client | null = null;

  constructor(
    readonly url: string,
    private readonly token: string | null,
  ) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) {
      throw new Error(
        `GraphQL error: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`,
      );
    }
    return body.data;
  }

  /**
   * Streams the experiment's events (from the first, so none is missed) until its attempt ends, and
   * resolves with the terminal status event. A subscriber that fell behind resumes after its last seq.
   */
  async follow(
    experimentId: string,
    onEvent: (event: StreamEvent) => void,
    detail: SampleDetail = 'seq',
  ): Promise<StreamEvent> {
    let after = 0;
    for (;;) {
      const end = await this.followOnce(followQuery(detail), experimentId, after, (event) => {
        after = event.seq;
        onEvent(event);
      });
      if (end) return end;
    }
  }

  close(): Promise<void> {
    return this.socket?.dispose() ?? Promise.resolve();
  }

  private followOnce(
    query: string,
    experimentId: string,
    after: number,
    onEvent: (event: StreamEvent) => void,
  ): Promise<StreamEvent | null> {
    return new Promise((resolve, reject) => {
      let terminal: StreamEvent | null = null;
      this.ws().subscribe<{ experimentEvents: StreamEvent }>(
        { query, variables: { id: experimentId, after } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
            const event = data?.experimentEvents;
            if (!event) return;
            onEvent(event);
            if (event.__typename === 'ExperimentStatusChanged' && TERMINAL.has(event.status ?? ''))
              terminal = event;
          },
          error: (error) => reject(asError(error)),
          complete: () => resolve(terminal),
        },
      );
    });
  }

  private ws(): Client {
    this.socket ??= createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: this.token ? { authorization: `Bearer ${this.token}` } : undefined,
      lazy: true,
    });
    return this.socket;
  }
}

/** graphql-ws reports socket trouble as an Event or a CloseEvent, GraphQL trouble as an error list. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const event = error as { message?: string; code?: number; reason?: string; error?: unknown };
  if (event.error instanceof Error) return event.error;
  if (event.code !== undefined)
    return new Error(`subscription socket closed: ${event.code} ${event.reason ?? ''}`.trim());
  return new Error(event.message ?? `subscription failed: ${JSON.stringify(error)}`);
}
