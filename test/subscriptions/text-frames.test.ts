import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrameStart } from '../../server/http/websocket.ts';

describe('WebSocket text frames written beside ws', () => {
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  let client: WebSocket | undefined;
  afterEach(async () => {
    client?.terminate();
    wss?.close();
    if (server?.listening) await new Promise((resolve) => server?.close(resolve));
  });

  it('should be read by a ws client as the same text at every length encoding (7, 16 and 64 bits)', async () => {
    server = createServer();
    wss = new WebSocketServer({ server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    client = new WebSocket(`ws://127.0.0.1:${port}`);
    const [serverSide] = await accepted;
    const tcp = (serverSide as unknown as { _socket: Socket })._socket;

    // Bytes at the bounds of each length encoding, 'é' being two of them; ws's own frame in between.
    const lengths = [2, 125, 126, 65_535, 65_536, 70_001];
    const texts = lengths.map((length, i) => `é${String(i).repeat(length - 2)}`);
    const received: string[] = [];
    // A malformed frame makes the client close the connection: the test ends then, not at a timeout.
    const all = new Promise<void>((resolve) => {
      client?.on('message', (data) => {
        received.push(data.toString());
        if (received.length === texts.length + 1) resolve();
      });
      client?.on('error', () => resolve());
      client?.on('close', () => resolve());
    });
    for (const text of texts.slice(0, 3)) {
      const prefix = Buffer.from('é');
      const rest = Buffer.from(text.slice(1));
      tcp.write(textFrameStart(prefix, prefix.length + rest.length));
      tcp.write(rest);
    }
    serverSide.send('from ws');
    for (const text of texts.slice(3)) {
      tcp.write(textFrameStart(Buffer.alloc(0), Buffer.byteLength(text)));
      tcp.write(text);
    }
    await all;

    expect(received).toEqual([...texts.slice(0, 3), 'from ws', ...texts.slice(3)]);
  });
});
