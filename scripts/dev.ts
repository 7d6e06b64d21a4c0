/**
 * `npm run dev`: the API server (PORT, default 4000) and the Vite dev server with hot reload for
 * the web client (VITE_PORT, default 5173) in one process. Vite forwards /graphql (WebSocket
 * included), /api and /healthz to the API. Restart it after changing server code.
 */
import { createServer } from 'vite';
import { buildApp } from '../server/app.ts';
import { configFromEnv } from '../server/server-config.ts';

const app = await buildApp(configFromEnv());
const apiUrl = await app.start();
process.env.LLMFORGE_API_URL = apiUrl;
const vite = await createServer({
  configFile: new URL('../client/vite.config.ts', import.meta.url).pathname,
  server: { port: Number(process.env.VITE_PORT ?? 5173), strictPort: true },
});
await vite.listen();
vite.printUrls();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([vite.close(), app.stop()]).then(() => process.exit(0));
  });
}
