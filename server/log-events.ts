import type { Logger } from './logger.ts';

/**
 * Log lines that programs wait for (the process tests, an operator's tooling): each has a stable
 * `event` name and typed fields. The `message` beside it is for people and may be reworded freely.
 */
export interface LogEvents {
  'server.listening': {
    url: string;
    host: string;
    role: string;
    database: string;
    resumed: number;
  };
  'attempt.progress': { experimentId: string; attempt: number; done: number; total: number };
  /** The attempt ended: COMPLETED, CANCELLED or FAILED. */
  'attempt.finished': {
    experimentId: string;
    attempt: number;
    status: string;
    done: number;
    total: number;
  };
  /** The server stopped under it; it stays RUNNING and resumes on the next start. */
  'attempt.interrupted': {
    experimentId: string;
    attempt: number;
    status: string;
    done: number;
    total: number;
  };
}

export type LogEventName = keyof LogEvents;

/** Writes one typed log event: `{ event, message, ...fields }`. */
export function logEvent<K extends LogEventName>(
  logger: Logger,
  level: 'debug' | 'info',
  event: K,
  message: string,
  fields: LogEvents[K],
): void {
  logger[level](message, { event, ...fields });
}
