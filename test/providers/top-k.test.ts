import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HuggingFaceTransport } from '../../server/engine/providers/huggingface.ts';
import type { CompletionRequest } from '../../server/engine/types.ts';

/** A chat-completions endpoint that records each request body and answers "ok". */
describe('sampling topK on the wire', () => {
  let server: Server;
  let origin: string;
  const bodies: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        bodies.push(JSON.parse(text) as Record<string, unknown>);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  const request = (topK?: number): CompletionRequest => ({
    model: 'm',
    messages: [{ role: 'user', content: 'Question: hi\nAnswer:' }],
    params: {
      temperature: 0,
      maxTokens: 8,
      topP: 1,
      seed: 1,
      stop: [],
      ...(topK === undefined ? {} : { topK }),
    },
  });

  it('should send top_k to a Hugging Face endpoint when topK is set, and nothing when it is not', async () => {
    const transport = new HuggingFaceTransport({ hfProvider: null, endpointUrl: origin }, null);
    await transport.send(request(40), new AbortController().signal);
    await transport.send(request(), new AbortController().signal);
    expect(bodies.map((body) => body.top_k)).toEqual([40, undefined]);
  });
});
