import { Worker } from 'node:worker_threads';

/** Matching in a worker thread so a pathological pattern (catastrophic backtracking) can be stopped. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, pattern, input }) => {
  // Tells the sandbox the match starts now: its budget counts matching, not the worker's start-up.
  parentPort.postMessage({ id, started: true });
  try {
    parentPort.postMessage({ id, matched: new RegExp(pattern, 'u').test(input) });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

/** Time one REGEX grader may take on one answer; far above any sane pattern on a model reply (microseconds). */
export const REGEX_BUDGET_MS = 200;

export type RegexOutcome = { matched: boolean } | { error: string };

/**
 * Runs regular expressions against model output under a time budget. JavaScript's engine backtracks,
 * so `(a+)+$` on a long near-match can run for minutes; the match runs in a worker that is terminated
 * (and replaced) when the budget is spent, and the grader reports an error instead of hanging.
 * One worker per sandbox, started on first use; matches are serialized through it.
 */
export class RegexSandbox {
  private worker: Worker | null = null;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly budgetMs: number) {}

  test(pattern: string, input: string): Promise<RegexOutcome> {
    const run = this.queue.then(() => this.runOne(pattern, input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private runOne(pattern: string, input: string): Promise<RegexOutcome> {
    if (!this.worker) this.worker = this.startWorker();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise<RegexOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: RegexOutcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(outcome);
      };
      const onMessage = (message: {
        id: number;
        started?: boolean;
        matched?: boolean;
        error?: string;
      }) => {
        if (message.id !== id) return;
        if (message.started) {
          timer = setTimeout(() => {
            this.worker = null;
            void worker.terminate();
            finish({
              error: `the pattern ran past its ${this.budgetMs} ms budget (catastrophic backtracking?)`,
            });
          }, this.budgetMs);
          return;
        }
        finish(
          message.error !== undefined
            ? { error: message.error }
            : { matched: message.matched === true },
        );
      };
      const onError = (error: Error) => {
        this.worker = null;
        finish({ error: `the regex worker failed: ${error.message}` });
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, pattern, input });
    });
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    // An idle sandbox must not keep the process alive.
    worker.unref();
    return worker;
  }
}
