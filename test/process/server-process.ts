import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LogEventName, LogEvents } from '../../server/log-events.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

/**
 * The real server as a child process (`node --import tsx server/index.ts`), as `npm start` runs it.
 * Waits are driven by its typed log events (server/log-events.ts), never by sleeping or by wording.
 */
export class ServerProcess {
  readonly url: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly lines: LogLine[] = [];
  private readonly waiters = new Set<{
    match: (line: LogLine) => boolean;
    resolve: (line: LogLine) => void;
  }>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    createInterface({ input: this.child.stderr! }).on('line', (text) => this.onLine(text));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.url = this.waitForEvent('server.listening').then((line) =>
      line.url.replace('localhost', '127.0.0.1').replace(/\/graphql$/, ''),
    );
  }

  /** Resolves with the fields of the first log event of this name (past or future) that matches. */
  async waitForEvent<K extends LogEventName>(
    event: K,
    match: (fields: LogEvents[K]) => boolean = () => true,
  ): Promise<LogEvents[K]> {
    const line = await this.waitFor(
      (candidate) => candidate.event === event && match(candidate as unknown as LogEvents[K]),
    );
    return line as unknown as LogEvents[K];
  }

  /** Resolves with the first log line (past or future) that matches. */
  waitFor(match: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.add(waiter);
      this.exited.then(({ code, signal }) => {
        if (this.waiters.delete(waiter))
          reject(
            new Error(`server exited (code ${code}, signal ${signal}) before the awaited log line`),
          );
      });
    });
  }

  /** Every JSON log line received so far. */
  linesSoFar(): readonly LogLine[] {
    return [...this.lines];
  }

  /** The server's resident memory, in bytes (Linux /proc). */
  residentBytes(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: unknown[] }> {
    const response = await fetch(`${await this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: T; errors?: unknown[] };
  }

  private onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return; // not one of ours (e.g. a Node warning)
    }
    this.lines.push(line);
    for (const waiter of this.waiters) {
      if (waiter.match(line)) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}
