import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import type { ServerConfig } from '../../server/server-config.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Without the background-networking flags Chromium keeps calling home, which a closed network makes slow. */
const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SCREENSHOT_DIR = fileURLToPath(
  new URL('../../test-results/screenshots/', import.meta.url),
);
const CLIENT_VITE_CONFIG = fileURLToPath(new URL('../../client/vite.config.ts', import.meta.url));

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive: CHROMIUM_PATH when set (and only it), else Debian's. In CI (`CI` set, as
 * .ci/run does) a missing browser is an error; elsewhere the browser tests say so loudly and skip.
 */
export function findChromium(): string | null {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CANDIDATES;
  const path = candidates.find(executable) ?? null;
  if (path) return path;
  const message = `no Chromium found (looked at ${candidates.join(', ')}). Install it with \`apt-get install chromium\` or set CHROMIUM_PATH.`;
  if (process.env.CI) throw new Error(`Browser tests cannot run in CI: ${message}`);
  const bar = '!'.repeat(100);
  console.warn(`\n${bar}\n!! BROWSER TESTS SKIPPED: ${message}\n${bar}\n`);
  return null;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: LAUNCH_ARGS });
}

/** Builds the web client into a temporary folder (the same build `npm start` makes); remove() deletes it. */
export async function buildClient(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'llmforge-client-'));
  // Vitest sets NODE_ENV=test, which would give React's development build; test what `npm start` serves.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: CLIENT_VITE_CONFIG,
      logLevel: 'warn',
      build: { outDir: dir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Saves a screenshot as test-results/screenshots/<name>.png and returns its path: the whole page,
 * or only the viewport (`fullPage: false`) when a fixed overlay is open, which a full-page capture misplaces.
 */
export async function screenshot(
  page: Page,
  name: string,
  { fullPage = true } = {},
): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** The built web client served by a real app, and one Chromium page to drive it. */
export interface WebClient {
  t: TestApp;
  baseUrl: string;
  page: Page;
  /** Uncaught page errors and console errors so far (see watchPageErrors). */
  pageErrors: string[];
  /** Closes the browser, stops the app and removes the built client. */
  close(): Promise<void>;
}

/**
 * Builds the client, launches Chromium and starts an app serving the client, in a 1400 × 900 page
 * whose waits give up after `timeoutMs`. What was opened is closed again if a later step fails.
 */
export async function openWebClient(
  chromiumPath: string,
  config: Partial<ServerConfig> = {},
  timeoutMs = 15_000,
): Promise<WebClient> {
  const [client, browser] = await Promise.all([buildClient(), launchChromium(chromiumPath)]);
  let t: TestApp | null = null;
  const close = async () => {
    await browser.close();
    await t?.dispose();
    client.remove();
  };
  try {
    t = await createTestApp(config, { clientDir: client.dir });
    const baseUrl = await t.app.start();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(timeoutMs);
    return { t, baseUrl, page, pageErrors: watchPageErrors(page), close };
  } catch (error) {
    await close();
    throw error;
  }
}
