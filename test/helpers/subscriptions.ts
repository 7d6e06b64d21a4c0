import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A real graphql-ws client over a real socket; dispose it after the test. */
export function wsClient(baseUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
  });
}

/** Every `data` payload of a subscription until it completes; rejects on an error. */
export async function collect<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onItem?: (item: T, index: number) => void,
): Promise<T[]> {
  const items: T[] = [];
  for await (const result of client.iterate<T>({ query, variables })) {
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    items.push(result.data as T);
    onItem?.(result.data as T, items.length - 1);
  }
  return items;
}

export interface SseMessage {
  event: string;
  data: any;
}

/** Reads a GraphQL-over-SSE response (yoga's "distinct connections" mode) message by message. */
export async function* readSse(response: Response): AsyncGenerator<SseMessage> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event =
          lines
            .find((l) => l.startsWith('event:'))
            ?.slice(6)
            .trim() ?? 'message';
        const data = lines
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (block.startsWith(':')) continue; // keep-alive comment
        yield { event, data: data ? JSON.parse(data) : null };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export const EVENTS_SUBSCRIPTION = `subscription ($id: ID!, $after: Int) {
  experimentEvents(experimentId: $id, after: $after) {
    __typename seq attempt
    ... on SampleCompleted { sampleIndex exampleId correct cacheHit cacheTier latencyMs timings { phase ms } tokensInput error }
    ... on ExperimentProgress { done total failed hitRate throughput }
    ... on ExperimentStatusChanged { status error }
    ... on AgentStepCompleted { sampleIndex iteration action input observation answer }
    ... on StreamOverflow { message }
  }
}`;

/** graphql-ws clients of one server, made on demand and disposed together (after each test, say). */
export function wsClients(baseUrl: () => string) {
  const open: Client[] = [];
  return {
    /** A new client of the server (see wsClient). */
    client(): Client {
      return this.track(wsClient(baseUrl()));
    },
    /** A client made elsewhere, disposed with the others. */
    track(client: Client): Client {
      open.push(client);
      return client;
    },
    async disposeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((client) => client.dispose()));
    },
  };
}
