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
    // No compression: frames are written beside ws as plain header and bytes (see frameSink).
    perMessageDeflate: false,
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
 * Writes `next` messages of one operation straight to the socket, the payload given as JSON
 * serialized once for all subscribers: graphql-ws would JSON.stringify the whole message per socket.
 * The messages are exactly graphql-ws's (`{"id":…,"type":"next","payload":…}`), sent in order with
 * graphql-ws's own on the same socket.
 *
 * Each is written as a WebSocket text frame of two parts: its start (the frame header and this
 * operation's `{"id":…,"payload":` prefix), kept per frame length so that it is made once, not per
 * frame, and the payload's bytes with the closing brace, encoded once and shared by every subscriber
 * of a group. ws's `send` would join, measure and encode the text anew for each socket (twice the
 * CPU per frame and socket, measured). Writing next to ws is sound because the server negotiates no
 * extension (`perMessageDeflate: false`), so ws itself writes each frame as header and bytes,
 * synchronously, on this same socket; its `bufferedAmount` counts these writes too.
 */
function frameSink(socket: WebSocket, id: string): FrameSink {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  const headBytes = Buffer.from(head);
  // A written buffer is never changed afterwards, so one start may sit in several pending writes.
  const starts = new Map<number, Buffer>();
  const startOf = (length: number) => {
    let start = starts.get(length);
    if (!start) {
      if (starts.size >= FRAME_STARTS_KEPT) starts.clear();
      start = textFrameStart(headBytes, length);
      starts.set(length, start);
    }
    return start;
  };
  // ws keeps the TCP socket private; cork/uncork on it makes one flush's frames one write.
  const tcp = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
  return {
    send(payload) {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (!tcp) {
        socket.send(`${head}${payload.json}}`);
        return;
      }
      const rest = payload.encoded(payloadThenClosingBrace);
      tcp.cork();
      tcp.write(startOf(headBytes.length + rest.length));
      tcp.write(rest);
      tcp.uncork();
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

/** The end of a `next` message after its prefix: the payload, then the message's closing brace. */
const payloadThenClosingBrace = (json: string) => Buffer.from(`${json}}`);

/** Frame lengths whose start a connection keeps (events of one kind differ by a few bytes). */
const FRAME_STARTS_KEPT = 64;

/**
 * The start of an unmasked, unfragmented WebSocket text frame of `length` bytes (RFC 6455 §5.2:
 * FIN and opcode 1, then the length in 7 bits, or 126 and 16 bits, or 127 and 64 bits), followed by
 * `prefix`, the first bytes of its data.
 */
export function textFrameStart(prefix: Buffer, length: number): Buffer {
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const start = Buffer.allocUnsafe(2 + lengthBytes + prefix.length);
  start[0] = 0x81;
  if (lengthBytes === 0) start[1] = length;
  else if (lengthBytes === 2) {
    start[1] = 126;
    start.writeUInt16BE(length, 2);
  } else {
    start[1] = 127;
    start.writeBigUInt64BE(BigInt(length), 2);
  }
  prefix.copy(start, 2 + lengthBytes);
  return start;
}
