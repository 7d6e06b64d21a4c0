import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const PROBE = fileURLToPath(new URL('./server-probe.ts', import.meta.url));

export interface TargetServer {
  url: string;
  /** The server's process id when it runs in a child process (for its memory), else null. */
  pid: number | null;
  /**
   * Event-loop delay, GC and CPU of the server since the last call (null for a server not started here).
   * The first call starts the interval.
   */
  probe(): Promise<ServerProbe | null>;
  /** Stops the server; resolves with the path of its CPU profile when it ran with one. */
  stop(): Promise<string | null>;
}

export interface ServerProbe {
  wallMs: number;
  cpuMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
  gc: { count: number; totalMs: number; maxMs: number };
}

export interface ChildOptions {
  /** Environment variables for the server on top of the benchmark's own. */
  env?: Record<string, string>;
  /** The checkout whose server to run (default: this one), for before/after comparisons. */
  serverDir?: string | null;
  /** Write a V8 CPU profile of the server (`node --cpu-prof`) into this folder. */
  cpuProfDir?: string | null;
}

/** The server entry of a checkout, as `npm start` runs it. */
export function serverRoot(serverDir: string | null | undefined): string {
  const root = resolve(serverDir ?? ROOT);
  if (!existsSync(join(root, 'server/index.ts')) || !existsSync(join(root, 'node_modules/tsx')))
    throw new Error(`${root} is not a checkout with server/index.ts and node_modules installed`);
  return root;
}

/** `npm start` as a child process on a throwaway database; resolves once it listens. */
export async function startChild(options: ChildOptions = {}): Promise<TargetServer> {
  const folder = mkdtempSync(join(tmpdir(), 'llmforge-bench-'));
  const probeFile = join(folder, 'probe.json');
  const cpuProf = options.cpuProfDir
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.cpuProfDir)}`]
    : [];
  const child = spawn(
    process.execPath,
    [...cpuProf, '--import', 'tsx', '--import', PROBE, 'server/index.ts'],
    {
      cwd: serverRoot(options.serverDir),
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LLMFORGE_DB: join(folder, 'bench.sqlite'),
        LLMFORGE_BENCH_PROBE: probeFile,
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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
  let probes = 0;
  return {
    url,
    pid: child.pid ?? null,
    async probe() {
      probes += 1;
      child.kill('SIGUSR2');
      // The probe writes its file from a signal handler: wait for this request's answer.
      for (let i = 0; i < 200; i++) {
        await new Promise((done) => setTimeout(done, 5));
        try {
          const read = JSON.parse(readFileSync(probeFile, 'utf8')) as ServerProbe & {
            sequence: number;
          };
          if (read.sequence === probes) return read;
        } catch {
          // not written yet, or half written
        }
      }
      return null;
    },
    async stop() {
      process.off('exit', stopChild);
      child.kill('SIGTERM');
      await exited;
      rmSync(folder, { recursive: true, force: true });
      return options.cpuProfDir && child.pid
        ? mainThreadProfile(resolve(options.cpuProfDir), child.pid)
        : null;
    },
  };
}

/** The main thread's profile node wrote at exit: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, thread 0. */
function mainThreadProfile(folder: string, pid: number): string | null {
  const name = readdirSync(folder).find((file) =>
    new RegExp(`^CPU\\.\\d+\\.\\d+\\.${pid}\\.0\\.\\d+\\.cpuprofile$`).test(file),
  );
  return name ? join(folder, name) : null;
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

/**
 * CPU time the threads of a process have used so far (every thread, or the ones listed: a process's
 * own id is its main thread), in ms, to the nanosecond (Linux /proc).
 */
export function threadCpuMsOf(pid: number, tasks?: readonly string[]): number {
  let ns = 0;
  for (const task of tasks ?? readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/**
 * Resolves once the process has used at most `maxCpuMs` of CPU over `windowMs`, or after `timeoutMs`
 * (with how long it waited, and whether it got quiet). A swarm is ready once its subscribe messages
 * are sent; the server may still be setting those subscriptions up (a GraphQL operation and a
 * replay read each), and that work belongs to no run a row measures.
 */
export async function untilQuiet(
  pid: number,
  { windowMs = 25, maxCpuMs = 1, timeoutMs = 10_000 } = {},
): Promise<{ waitedMs: number; quiet: boolean }> {
  const began = performance.now();
  let before = threadCpuMsOf(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = threadCpuMsOf(pid);
    const waitedMs = performance.now() - began;
    if (now - before <= maxCpuMs) return { waitedMs, quiet: true };
    if (waitedMs >= timeoutMs) return { waitedMs, quiet: false };
    before = now;
  }
}
