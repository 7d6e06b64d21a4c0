import type { Server } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocket, WebSocketServer } from 'ws';
import type { FrameSink } from '../events/fan-out.ts';
import type { Context } from '../schema/context.ts';
import { isAuthorized } from './auth.ts';
import { originAllowed } from './security.ts';

export interface WebSocketOptions {
  apiToken: string | null;
  /** Browser origins allowed besides the server's own (WebSockets are not covered by CORS). */
  corsOrigins: readonly string[];
  /** Largest message accepted; a larger one closes the connection with 1009. */
  maxPayloadBytes: number;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/**
 * graphql-ws on the HTTP server's /graphql path. Every operation goes through yoga's envelop, so
 * WebSocket, HTTP and SSE share one context factory, the same plugins and the same error masking.
 */
export function attachGraphQLWebSocket(
  server: Server,
  yoga: YogaServerInstance<Record<string, unknown>, Context>,
  { apiToken, corsOrigins, maxPayloadBytes }: WebSocketOptions,
): { dispose(): Promise<void> } {
  const wss = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: maxPayloadBytes,
    // Any page may open a WebSocket to localhost (no CORS, no preflight): a browser's upgrade from a
    // foreign origin is refused with 403. Clients that are not browsers send no Origin.
    verifyClient: (
      { origin, req }: { origin: string | undefined; req: { headers: { host?: string } } },
      answer: (ok: boolean, code?: number, message?: string) => void,
    ) =>
      !origin || originAllowed(origin, req.headers.host, corsOrigins)
        ? answer(true)
        : answer(false, 403, 'origin not allowed'),
  });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      // Refusing here closes the socket with 4403 Forbidden before any operation runs.
      onConnect: (ctx) => isAuthorized(apiToken, undefined, ctx.connectionParams),
      onSubscribe: async (ctx, id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const contextValue = await contextFactory();
        // Event subscriptions write shared, pre-serialized frames for this operation id here.
        contextValue.live = frameSink(ctx.extra.socket, id);
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    wss,
  );
  return {
    async dispose() {
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Writes `next` messages of one operation straight to the socket, the payload JSON given as text: a
 * payload serialized once is framed for each subscriber by concatenation, not by JSON.stringify of
 * the whole message per socket as graphql-ws does. The messages are exactly graphql-ws's
 * (`{"id":…,"type":"next","payload":…}`), sent in order with graphql-ws's own on the same socket.
 */
function frameSink(socket: WebSocket, id: string): FrameSink {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  // ws keeps the TCP socket private; cork/uncork on it makes one flush's frames one write.
  const tcp = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
  return {
    send(payloadJson) {
      if (socket.readyState === WebSocket.OPEN) socket.send(`${head}${payloadJson}}`);
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    get open() {
      return socket.readyState === WebSocket.OPEN;
    },
    cork() {
      tcp?.cork();
    },
    uncork() {
      tcp?.uncork();
    },
    drained() {
      return new Promise((resolve) => {
        if (!tcp || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount === 0)
          return resolve();
        const done = () => {
          tcp.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        tcp.once('drain', done);
        socket.once('close', done);
      });
    },
  };
}
