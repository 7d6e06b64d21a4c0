import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TargetServer {
  url: string;
  /** The server's process id when it runs in a child process (for its memory), else null. */
  pid: number | null;
  stop(): Promise<void>;
}

/** `npm start` as a child process on a throwaway database; resolves once it listens. */
export async function startChild(env: Record<string, string> = {}): Promise<TargetServer> {
  const folder = mkdtempSync(join(tmpdir(), 'llmforge-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LLMFORGE_DB: join(folder, 'bench.sqlite'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A benchmark that dies (an error, Ctrl-C) takes its server with it.
  const stopChild = () => child.kill('SIGTERM');
  process.once('exit', stopChild);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr }).on('line', (text) => {
      const line = parseLogLine(text);
      if (line?.message === 'listening')
        resolve(
          String(line.url)
            .replace('localhost', '127.0.0.1')
            .replace(/\/graphql$/, ''),
        );
      else if (!line || line.level === 'error') process.stderr.write(`server: ${text}\n`);
    });
    void exited.then(() => reject(new Error('the server exited before it listened')));
  });
  return {
    url,
    pid: child.pid ?? null,
    async stop() {
      process.off('exit', stopChild);
      child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { peakRssMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** CPU time (user + system, every thread) a process has used so far, in seconds (Linux /proc). */
export function cpuSecondsOf(pid: number): number {
  // Fields after the command name: state is the 1st, utime the 12th, stime the 13th; in clock ticks (100 Hz).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function parseLogLine(text: string): { level?: string; message?: string; url?: string } | null {
  try {
    return JSON.parse(text) as { level?: string; message?: string; url?: string };
  } catch {
    return null;
  }
}
