/**
 * The engine thread: runs every attempt of the app off the thread that serves the API, so a run
 * at full speed and the queries of its viewers share two cores instead of one event loop. It has
 * its own connection to the database, its own event bus endpoint (a BroadcastChannel to the API
 * thread) and its own scheduler; the API thread sends it commands and reads live figures from the
 * snapshots it posts. See docs/architecture.md#threads.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { openEngineHost } from './engine-host.ts';
import type {
  EngineCommand,
  EngineMessage,
  EngineThreadData,
  FiguresSnapshot,
} from './protocol.ts';

/** How often the figures of running attempts are posted to the API thread. */
const FIGURES_INTERVAL_MS = 100;

/**
 * The API thread goes first when both want a core: this thread runs at a lower priority (nice 10).
 * On Linux a thread's priority is its own, set through its thread id, which /proc/thread-self names.
 * Elsewhere (or without /proc) the engine thread keeps the normal priority.
 */
function yieldToTheApi(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid)) setPriority(tid, ENGINE_NICE);
  } catch {
    // not Linux, or not allowed: same priority as the API thread
  }
}
const ENGINE_NICE = 10;
yieldToTheApi();

const port = parentPort;
if (!port) throw new Error('engine-thread.ts runs as a worker thread');
const post = (message: EngineMessage) => port.postMessage(message);
const { config, channel } = workerData as EngineThreadData;

const host = await openEngineHost(config, {
  channel,
  logWriter: (line) => post({ kind: 'log', line }),
});
const { scheduler } = host;

const figures = setInterval(() => {
  const running: FiguresSnapshot[] = [];
  for (const execution of scheduler.executions()) {
    const live = execution.liveFigures();
    if (!live) continue;
    running.push({
      experimentId: execution.experimentId,
      attemptNumber: execution.attemptNumber,
      progress: live.progress() as FiguresSnapshot['progress'],
      metrics: live.metrics(),
      profile: live.profile(),
    });
  }
  if (running.length > 0 || lastPostedRunning) post({ kind: 'figures', running });
  lastPostedRunning = running.length > 0;
}, FIGURES_INTERVAL_MS);
let lastPostedRunning = false;

port.on('message', (command: EngineCommand) => {
  void handle(command).then(
    (value) => post({ kind: 'reply', id: command.id, value }),
    (error: unknown) =>
      post({
        kind: 'reply',
        id: command.id,
        error: error instanceof Error ? error.message : String(error),
      }),
  );
});

async function handle(command: EngineCommand): Promise<unknown> {
  switch (command.kind) {
    case 'enqueue':
      await host.prepare(command.item);
      scheduler.enqueue(command.item);
      return null;
    case 'dequeue':
      return scheduler.dequeue(command.experimentId);
    case 'stop':
      return scheduler.stop(command.experimentId);
    case 'recover':
      return (await scheduler.recoverAttempts()).map((item) => item.experimentId);
    case 'idle':
      return scheduler.idle();
    case 'metrics':
      return host.metrics.getMetricsAsJSON();
    case 'shutdown':
      clearInterval(figures);
      await host.close();
      return null;
  }
}

post({ kind: 'ready' });
