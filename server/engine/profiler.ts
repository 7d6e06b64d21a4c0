import { summarize } from './metrics/stats.ts';
import type { PhaseSummary } from './optimization-profile.ts';
import type { ProfilePhase } from './types.ts';

export type SampleTimings = Partial<Record<ProfilePhase, number>>;

/**
 * Collects per-phase durations. Each sample contributes one value per phase it went through, so
 * percentiles are per sample, not per individual call. Disabled profilers record nothing.
 */
export class Profiler {
  private readonly durations = new Map<ProfilePhase, number[]>();

  /** `phases` are reported (with zeros) even before any sample went through them. */
  constructor(
    readonly enabled: boolean,
    phases: readonly ProfilePhase[] = [],
  ) {
    if (enabled) for (const phase of phases) this.durations.set(phase, []);
  }

  recordSample(timings: SampleTimings | null): void {
    if (!this.enabled || !timings) return;
    for (const [phase, ms] of Object.entries(timings) as [ProfilePhase, number][]) {
      const list = this.durations.get(phase);
      if (list) list.push(ms);
      else this.durations.set(phase, [ms]);
    }
  }

  summary(): Partial<Record<ProfilePhase, PhaseSummary>> {
    const result: Partial<Record<ProfilePhase, PhaseSummary>> = {};
    for (const [phase, values] of this.durations) {
      const d = summarize(values);
      result[phase] = {
        count: d.count,
        totalMs: round(d.total),
        meanMs: round(d.mean),
        p50Ms: round(d.p50),
        p95Ms: round(d.p95),
        p99Ms: round(d.p99),
      };
    }
    return result;
  }
}

/** A stopwatch for the phases of one sample. */
export class SampleClock {
  readonly timings: SampleTimings = {};
  readonly startedAt = performance.now();

  async time<T>(phase: ProfilePhase, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - start);
    }
  }

  add(phase: ProfilePhase, ms: number): void {
    this.timings[phase] = (this.timings[phase] ?? 0) + ms;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}

/** Tracks API calls in flight: the peak, and the time-weighted mean while any call was active. */
export class ConcurrencyGauge {
  private inFlight = 0;
  private lastChange = 0;
  private weightedMs = 0;
  private firstStart: number | null = null;
  private lastEnd = 0;
  peak = 0;

  enter(now = performance.now()): void {
    this.advance(now);
    this.firstStart ??= now;
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  exit(now = performance.now()): void {
    this.advance(now);
    this.inFlight -= 1;
    this.lastEnd = now;
  }

  mean(): number {
    if (this.firstStart === null) return 0;
    const span = this.lastEnd - this.firstStart;
    return span > 0 ? this.weightedMs / span : this.peak;
  }

  private advance(now: number): void {
    this.weightedMs += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
  }
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
