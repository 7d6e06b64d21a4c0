import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const INDEX =
  '<!doctype html><html><head><title>LlmForge</title></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("app");';

describe('the web client files', () => {
  let t: TestApp;
  let parent: string;
  let clientDir: string;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'llmforge-dist-'));
    clientDir = join(parent, 'dist');
    mkdirSync(join(clientDir, 'assets'), { recursive: true });
    writeFileSync(join(parent, 'secret.txt'), 'not for the web');
    writeFileSync(join(clientDir, 'index.html'), INDEX);
    writeFileSync(join(clientDir, 'assets', 'index-abc123.js'), SCRIPT);
    t = await createTestApp({}, { clientDir });
  });

  afterAll(async () => {
    await t.dispose();
    rmSync(parent, { recursive: true, force: true });
  });

  it('should serve index.html at / and for any client route, never cached', async () => {
    for (const path of [
      '/',
      '/experiments/new',
      '/experiments/0b6c7a5e-0000-4000-8000-000000000000',
      '/compare?a=1&b=2',
    ]) {
      const response = await t.fetch(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('should serve hashed assets with their type, cached for good', async () => {
    const response = await t.fetch('/assets/index-abc123.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toBe(SCRIPT);
  });

  it('should answer 404 for a missing file and for a path that climbs out of the client folder', async () => {
    expect((await t.fetch('/assets/missing.js')).status).toBe(404);
    for (const path of [
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/..%5csecret.txt',
    ]) {
      const response = await t.fetch(path);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('not for the web');
    }
  });

  it('should leave GraphQL, the REST shim and health to the server', async () => {
    const graphiql = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toContain('GraphiQL');
    expect((await t.fetch('/api/v1/results/nope')).status).toBe(404);
    expect(await (await t.fetch('/healthz')).json()).toMatchObject({ status: 'ok' });
    const mutation = await t.fetch('/experiments/new', { method: 'POST' });
    expect(mutation.status).toBe(404);
  });

  it('should show how to build the client when it is not built', async () => {
    const bare = await createTestApp({}, { clientDir: join(clientDir, 'absent') });
    try {
      const html = await (await bare.fetch('/')).text();
      expect(html).toContain('The web client is not built.');
    } finally {
      await bare.dispose();
    }
  });
});
