import { normalQuantile, wilsonInterval, type Interval } from '../metrics/significance.ts';
import type { GraderKind } from './config.ts';
import { FAILURE_MODES, type FailureMode } from './failure-mode.ts';
import type { GraderResult } from './grade.ts';

const CONFIDENCE = 0.95;

/** One grader over an attempt. Config graders are keyed by position; record graders are pooled per kind. */
export interface GraderStat {
  /** "config[0]", "config[1]", … or "record:<KIND>". */
  key: string;
  kind: GraderKind;
  evaluated: number;
  passed: number;
  errors: number;
  /** passed / evaluated, with its 95 % Wilson interval. */
  passRate: Interval;
}

export interface GradingMetrics {
  graders: GraderStat[];
  /** Mean over samples of Σ weight·score / Σ weight, with a 95 % normal interval; null without graders. */
  weightedScore: Interval | null;
  failureModes: Record<FailureMode, number>;
}

/** Streams per-sample grades and failure modes into the attempt's grading metrics. */
export class GradingAccumulator {
  private readonly stats = new Map<
    string,
    { kind: GraderKind; evaluated: number; passed: number; errors: number }
  >();
  private scoreCount = 0;
  private scoreSum = 0;
  private scoreSquares = 0;
  private readonly modes = Object.fromEntries(FAILURE_MODES.map((m) => [m, 0])) as Record<
    FailureMode,
    number
  >;

  add(grades: readonly GraderResult[] | null, failureMode: FailureMode | null): void {
    if (failureMode) this.modes[failureMode] += 1;
    if (!grades || grades.length === 0) return;
    let configIndex = 0;
    let weighted = 0;
    let weights = 0;
    for (const grade of grades) {
      const key = grade.fromRecord ? `record:${grade.kind}` : `config[${configIndex++}]`;
      const stat = this.stats.get(key) ?? { kind: grade.kind, evaluated: 0, passed: 0, errors: 0 };
      stat.evaluated += 1;
      if (grade.pass) stat.passed += 1;
      if (grade.error) stat.errors += 1;
      this.stats.set(key, stat);
      weighted += grade.weight * grade.score;
      weights += grade.weight;
    }
    if (weights > 0) {
      const score = weighted / weights;
      this.scoreCount += 1;
      this.scoreSum += score;
      this.scoreSquares += score * score;
    }
  }

  result(): GradingMetrics {
    const graders = [...this.stats].map(([key, s]) => ({
      key,
      ...s,
      passRate: wilsonInterval(s.passed, s.evaluated, CONFIDENCE),
    }));
    graders.sort((a, b) => order(a.key) - order(b.key) || a.key.localeCompare(b.key));
    return { graders, weightedScore: this.weightedScore(), failureModes: { ...this.modes } };
  }

  private weightedScore(): Interval | null {
    const n = this.scoreCount;
    if (n === 0) return null;
    const mean = this.scoreSum / n;
    const variance = n > 1 ? Math.max(0, (this.scoreSquares - n * mean * mean) / (n - 1)) : 0;
    const half = normalQuantile(1 - (1 - CONFIDENCE) / 2) * Math.sqrt(variance / n);
    return { estimate: mean, lower: Math.max(0, mean - half), upper: Math.min(1, mean + half) };
  }
}

function order(key: string): number {
  const match = /^config\[(\d+)\]$/.exec(key);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}
