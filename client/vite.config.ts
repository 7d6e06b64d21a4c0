import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

/** Where `npm run dev` (and `vite preview`) forward GraphQL, WebSocket and REST requests. */
const apiUrl = process.env.LLMFORGE_API_URL ?? 'http://127.0.0.1:4000';
const proxy: Record<string, ProxyOptions> = {
  '/graphql': { target: apiUrl, ws: true },
  '/api': { target: apiUrl },
  '/healthz': { target: apiUrl },
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { proxy },
  preview: { proxy },
});
