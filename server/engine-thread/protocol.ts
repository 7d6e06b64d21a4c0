import type { ExperimentMetrics } from '../engine/metrics/aggregate.ts';
import type { OptimizationProfile } from '../engine/optimization-profile.ts';
import type { Progress } from '../experiments/attempt-execution.ts';
import type { QueuedAttempt } from '../experiments/scheduler.ts';
import type { ServerConfig } from '../server-config.ts';

/** What the engine thread is started with. */
export interface EngineThreadData {
  config: ServerConfig;
  /** The BroadcastChannel of this app's event bus. */
  channel: string;
}

/** API thread → engine thread: a command, answered by a reply with the same id. */
export type EngineCommand =
  | { id: number; kind: 'enqueue'; item: QueuedAttempt }
  | { id: number; kind: 'dequeue'; experimentId: string }
  | { id: number; kind: 'stop'; experimentId: string }
  | { id: number; kind: 'recover' }
  | { id: number; kind: 'idle' }
  | { id: number; kind: 'metrics' }
  | { id: number; kind: 'shutdown' };

/** The figures of a running attempt, as of `at` (the engine thread's clock). */
export interface FiguresSnapshot {
  experimentId: string;
  attemptNumber: number;
  progress: Progress;
  metrics: ExperimentMetrics | null;
  profile: OptimizationProfile | null;
}

/** Engine thread → API thread. */
export type EngineMessage =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; value?: unknown; error?: string }
  | { kind: 'figures'; running: FiguresSnapshot[] }
  | { kind: 'log'; line: string };
