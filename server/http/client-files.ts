import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_NOT_BUILT_PAGE } from './pages.ts';

/** Where `vite build --config client/vite.config.ts` (run by `npm start`) writes the web client. */
export const CLIENT_DIST = fileURLToPath(new URL('../../client/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the server answers itself; everything else without a file extension is a client-side route. */
const SERVER_PATHS = /^\/(graphql|api|healthz)(\/|$)/;

/**
 * Serves the built web client: its files as they are, and index.html for any page path, so a
 * reload or a shared link of a client-side route (/experiments/…) works. Null for what it does not own.
 */
export async function serveClient(
  request: Request,
  url: URL,
  root: string = CLIENT_DIST,
): Promise<Response | null> {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(url.pathname))
    return null;
  const asset = url.pathname !== '/' && (await readClientFile(root, url.pathname));
  if (asset) return fileResponse(asset, url.pathname, request.method);
  if (extname(url.pathname) !== '') return null;
  const index = await readClientFile(root, '/index.html');
  return fileResponse(index || Buffer.from(CLIENT_NOT_BUILT_PAGE), '/index.html', request.method);
}

async function readClientFile(root: string, pathname: string): Promise<Buffer | null> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const base = resolve(root);
  const path = resolve(join(base, relative));
  if (!path.startsWith(base + sep)) return null;
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

function fileResponse(body: Buffer, pathname: string, method: string): Response {
  const hashed = pathname.startsWith('/assets/');
  return new Response(method === 'HEAD' ? null : new Uint8Array(body), {
    headers: {
      'content-type': CONTENT_TYPES[extname(pathname)] ?? 'application/octet-stream',
      // Vite puts a content hash in every asset name; index.html must always be fetched fresh.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
  });
}
