import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { isTerminalEvent, type EventBus } from '../events/event-bus.ts';
import type { EventStore } from '../events/event-store.ts';
import type { AttemptFigures } from '../experiments/attempt-execution.ts';
import type { AttemptDispatcher, QueuedAttempt } from '../experiments/scheduler.ts';
import type { Logger } from '../logger.ts';
import type { ServerConfig } from '../server-config.ts';
import type {
  EngineCommand,
  EngineMessage,
  EngineThreadData,
  FiguresSnapshot,
} from './protocol.ts';

/**
 * The engine thread's entry is TypeScript, like the rest of the server. On Node 20 a worker thread
 * does not inherit the loader hooks that `--import tsx` installed in this one, so its first module
 * installs tsx's own before importing the entry.
 */
const ENGINE_THREAD = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(
  new URL('./engine-thread.ts', import.meta.url).href,
)}); });`;

export interface ThreadDispatcherDeps {
  bus: EventBus;
  eventStore: EventStore;
  logger: Logger;
  /** Where the engine thread's log lines go (already formatted and scrubbed there). */
  writeLog: (line: string) => void;
}

type Command = EngineCommand extends infer C
  ? C extends { id: number }
    ? Omit<C, 'id'>
    : never
  : never;

/** Loading the engine and the datasets takes about 1.5 s; a minute means it is stuck. */
const START_TIMEOUT_MS = 60_000;

/**
 * This process's flags for the engine thread (--cpu-prof, heap settings), less `--import`/`--loader`:
 * a Node 20 worker inheriting `--import tsx` never finished loading (its hooks thread waits on this one's).
 */
function withoutLoaderHooks(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--import' || arg === '--loader' || arg === '--experimental-loader') i++;
    else if (!/^--(import|loader|experimental-loader)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

/**
 * The engine allocates short-lived objects for every sample (records, events, rows); at full speed
 * young-generation collections took 10–25 % of its thread (CPU profile). A larger young generation
 * lets more of them die before a collection: measured on 2 000-sample runs at latency 0, server CPU
 * per sample 0.200 → 0.176 ms (means of five runs), for 15–40 MB more peak RSS. The API thread keeps
 * V8's default: there a larger young generation made the pauses, and so the query p99, longer.
 */
const ENGINE_YOUNG_GENERATION_MB = 128;

/** A new engine thread, once it takes commands. */
async function startWorker(
  config: ServerConfig,
  channel: string,
  deps: ThreadDispatcherDeps,
): Promise<Worker> {
  const worker = new Worker(ENGINE_THREAD, {
    eval: true,
    execArgv: withoutLoaderHooks(process.execArgv),
    workerData: { config, channel } satisfies EngineThreadData,
    resourceLimits: { maxYoungGenerationSizeMb: ENGINE_YOUNG_GENERATION_MB },
  });
  await new Promise<void>((resolve, reject) => {
    // A thread that never becomes ready (a hang while loading) must not hang the server's start.
    const timer = setTimeout(() => {
      cleanup();
      void worker.terminate();
      reject(new Error(`the engine thread was not ready within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const onMessage = (message: EngineMessage) => {
      if (message.kind === 'log') deps.writeLog(message.line);
      if (message.kind !== 'ready') return;
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the engine thread exited while starting (code ${code})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  return worker;
}

/**
 * The API thread's side of the engine thread: every attempt runs there (see engine-thread.ts). The
 * commands of {@link AttemptDispatcher} become messages; live figures come from the snapshots the
 * engine thread posts every 100 ms; events arrive through the shared event bus. An engine thread that
 * dies is replaced, and the new one resumes its attempts from their stored samples.
 */
export class ThreadDispatcher implements AttemptDispatcher {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();
  private figures = new Map<string, FiguresSnapshot>();
  /** Experiments whose attempt is queued or running in the engine thread (until its terminal event). */
  private readonly active = new Set<string>();
  private worker: Worker | null = null;
  /** Resolves once a (new) engine thread takes commands; rejects when none could be started. */
  private ready: Promise<Worker> = Promise.reject(new Error('the engine thread is not started'));
  private stopping = false;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly config: ServerConfig,
    private readonly channel: string,
    private readonly deps: ThreadDispatcherDeps,
  ) {
    this.ready.catch(() => undefined);
    // A run's figures are the stored ones from its terminal event on.
    this.unsubscribe = deps.bus.subscribe('*', (event) => {
      if (isTerminalEvent(event)) {
        this.figures.delete(event.experimentId);
        this.active.delete(event.experimentId);
      }
    });
  }

  /** Starts the engine thread; resolves once it can take commands. */
  static async start(
    config: ServerConfig,
    channel: string,
    deps: ThreadDispatcherDeps,
  ): Promise<ThreadDispatcher> {
    const dispatcher = new ThreadDispatcher(config, channel, deps);
    await dispatcher.spawn();
    return dispatcher;
  }

  /**
   * Ends the engine thread abruptly, as a crash would: another starts and resumes its attempts from
   * their stored samples, as the next start of a crashed server would (tests show that it does).
   */
  async terminateEngineThread(): Promise<void> {
    await this.worker?.terminate();
  }

  private spawn(): Promise<Worker> {
    this.ready = startWorker(this.config, this.channel, this.deps).then((worker) => {
      this.worker = worker;
      worker.on('message', (message: EngineMessage) => this.receive(message));
      worker.on('error', (error) => this.deps.logger.error('engine thread failed', { error }));
      worker.once('exit', (code) => this.exited(worker, code));
      return worker;
    });
    return this.ready;
  }

  /** Commands in flight fail; unless the server is stopping, another thread takes over. */
  private exited(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = null;
    const error = new Error(`the engine thread exited (code ${code})`);
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
    this.figures.clear();
    if (this.stopping) return;
    this.deps.logger.error(
      'the engine thread stopped unexpectedly; starting another, which resumes its attempts',
      { code },
    );
    this.spawn()
      .then(() => this.recover())
      .then(
        (resumed) => this.deps.logger.info('engine thread restarted', { resumed }),
        (failure: unknown) =>
          this.deps.logger.error('the engine thread could not be restarted', { error: failure }),
      );
  }

  async enqueue(item: QueuedAttempt): Promise<void> {
    // The engine thread numbers the experiment's events on from the last one stored: this thread's
    // own (the QUEUED status) are stored first.
    await this.deps.eventStore.flush();
    this.active.add(item.experimentId);
    await this.request({ kind: 'enqueue', item });
  }

  async dequeue(experimentId: string): Promise<boolean> {
    const taken = (await this.request({ kind: 'dequeue', experimentId })) as boolean;
    if (taken) this.active.delete(experimentId);
    return taken;
  }

  async stop(experimentId: string): Promise<boolean> {
    const stopped = (await this.request({ kind: 'stop', experimentId })) as boolean;
    // Its end is recorded; the terminal event may still be on its way.
    this.active.delete(experimentId);
    this.figures.delete(experimentId);
    return stopped;
  }

  /** The engine thread's Prometheus metrics (its provider calls), for /metrics. */
  async metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return (await this.request({ kind: 'metrics' })) as MetricObjectWithValues<
      MetricValue<string>
    >[];
  }

  /** The engine thread is part of this process: its attempts run here. */
  runsHere(experimentId: string): boolean {
    return this.active.has(experimentId);
  }

  get running(): number {
    return this.figures.size;
  }

  liveFigures(experimentId: string, attemptNumber: number): AttemptFigures | null {
    const snapshot = this.figures.get(experimentId);
    if (!snapshot || snapshot.attemptNumber !== attemptNumber) return null;
    return {
      progress: () => snapshot.progress,
      metrics: () => snapshot.metrics,
      profile: () => snapshot.profile,
    };
  }

  async recover(): Promise<number> {
    const recovered = (await this.request({ kind: 'recover' })) as string[];
    for (const experimentId of recovered) this.active.add(experimentId);
    return recovered.length;
  }

  async idle(): Promise<void> {
    await this.request({ kind: 'idle' });
  }

  /** Stores every finished sample in the engine thread, then ends it. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.unsubscribe();
    if (this.worker) await this.request({ kind: 'shutdown' }).catch(() => undefined);
    await this.worker?.terminate();
  }

  private async request(command: Command): Promise<unknown> {
    const worker = await this.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...command, id } as EngineCommand);
    });
  }

  private receive(message: EngineMessage): void {
    switch (message.kind) {
      case 'reply': {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.value);
        return;
      }
      case 'figures':
        this.figures = new Map(
          message.running.map((snapshot) => [snapshot.experimentId, snapshot]),
        );
        return;
      case 'log':
        this.deps.writeLog(message.line);
        return;
      case 'ready':
        return;
    }
  }
}
