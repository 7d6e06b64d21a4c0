import type { GradingMetrics } from '../graders/summary.ts';
import { meanInterval, type MeanInterval } from './model-graded.ts';
import { summarize } from './stats.ts';

export interface SampleOutcome {
  exact: boolean;
  substring: boolean;
  correct: boolean;
  f1: number;
  latencyMs: number;
  tokensInput: number;
  tokensOutput: number;
  failed: boolean;
  /** Model-graded values, where the experiment asks for them. */
  semanticSimilarity?: number | null;
  faithfulness?: number | null;
  /** Whether any claim of the answer is unsupported; hallucinationRate is the share of samples where it is. */
  hallucinated?: boolean | null;
  contextRelevance?: number | null;
  judge?: number | null;
}

/** The model-graded aggregates: each the mean of the samples with a value, with its 95 % interval. */
const GRADED = [
  'semanticSimilarity',
  'faithfulness',
  'hallucinationRate',
  'contextRelevance',
  'judge',
] as const;
type GradedMetric = (typeof GRADED)[number];

function gradedValue(outcome: SampleOutcome, metric: GradedMetric): number | null | undefined {
  if (metric !== 'hallucinationRate') return outcome[metric];
  const hallucinated = outcome.hallucinated;
  return typeof hallucinated === 'boolean' ? (hallucinated ? 1 : 0) : hallucinated;
}

export interface ExperimentMetrics {
  samples: number;
  failed: number;
  accuracyExact: number;
  accuracySubstring: number;
  accuracyAny: number;
  f1Mean: number;
  latencyMean: number;
  latencyP50: number;
  latencyP95: number;
  latencyP99: number;
  throughput: number;
  tokensInput: number;
  tokensOutput: number;
  estimatedCostUsd: number | null;
  /** Pass rate per grader, the weighted score and the failure-mode counts; absent on attempts stored before graders existed. */
  grading?: GradingMetrics;
  /** Mean semantic similarity of answer and gold with its 95 % interval; absent unless configured. */
  semanticSimilarity?: MeanInterval | null;
  /** Mean share of supported claims; absent unless configured, null when no sample has a value. */
  faithfulness?: MeanInterval | null;
  /** Share of samples with at least one unsupported claim. */
  hallucinationRate?: MeanInterval | null;
  contextRelevance?: MeanInterval | null;
  /** Mean LLM-judge score mapped to 0..1. */
  judge?: MeanInterval | null;
}

export interface TokenPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

const TOKENS_PER_MILLION = 1_000_000;

/** Streams sample outcomes into counters; only latencies are kept individually (for percentiles). */
export class MetricsAccumulator {
  private samples = 0;
  private failed = 0;
  private exact = 0;
  private substring = 0;
  private correct = 0;
  private f1Sum = 0;
  private tokensInput = 0;
  private tokensOutput = 0;
  private readonly latencies: number[] = [];
  /** Values per model-graded metric; a metric is listed once any sample had it on. */
  private readonly graded = new Map<GradedMetric, number[]>();

  add(outcome: SampleOutcome): void {
    this.samples++;
    for (const metric of GRADED) {
      const value = gradedValue(outcome, metric);
      if (value === undefined) continue;
      const values = this.graded.get(metric) ?? [];
      this.graded.set(metric, values);
      if (typeof value === 'number' && !outcome.failed) values.push(value);
    }
    // Failed samples still consumed tokens, so they are billed even though they score nothing.
    this.tokensInput += outcome.tokensInput;
    this.tokensOutput += outcome.tokensOutput;
    if (outcome.failed) {
      this.failed++;
      return;
    }
    if (outcome.exact) this.exact++;
    if (outcome.substring) this.substring++;
    if (outcome.correct) this.correct++;
    this.f1Sum += outcome.f1;
    this.latencies.push(outcome.latencyMs);
  }

  result(wallTimeMs: number, price?: TokenPrice | null): ExperimentMetrics {
    const latency = summarize(this.latencies);
    return {
      samples: this.samples,
      failed: this.failed,
      accuracyExact: this.fractionOfSamples(this.exact),
      accuracySubstring: this.fractionOfSamples(this.substring),
      accuracyAny: this.fractionOfSamples(this.correct),
      f1Mean: this.fractionOfSamples(this.f1Sum),
      latencyMean: latency.mean,
      latencyP50: latency.p50,
      latencyP95: latency.p95,
      latencyP99: latency.p99,
      throughput: wallTimeMs > 0 ? this.samples / (wallTimeMs / 1000) : 0,
      tokensInput: this.tokensInput,
      tokensOutput: this.tokensOutput,
      estimatedCostUsd: price ? this.costUsd(price) : null,
      ...Object.fromEntries(
        [...this.graded].map(([metric, values]) => [metric, meanInterval(values)]),
      ),
    };
  }

  private fractionOfSamples(count: number): number {
    return this.samples === 0 ? 0 : count / this.samples;
  }

  private costUsd(price: TokenPrice): number {
    return (
      (this.tokensInput * price.inputPerMillion + this.tokensOutput * price.outputPerMillion) /
      TOKENS_PER_MILLION
    );
  }
}
