import { describe, expect, it } from 'vitest';
import { MetricsAccumulator, type SampleOutcome } from '../../server/engine/metrics/aggregate.ts';

function outcome(overrides: Partial<SampleOutcome> = {}): SampleOutcome {
  return {
    exact: false,
    substring: false,
    correct: false,
    f1: 0,
    latencyMs: 100,
    tokensInput: 10,
    tokensOutput: 5,
    failed: false,
    ...overrides,
  };
}

function filledAccumulator(): MetricsAccumulator {
  const accumulator = new MetricsAccumulator();
  accumulator.add(outcome({ exact: true, substring: true, correct: true, f1: 1, latencyMs: 100 }));
  accumulator.add(outcome({ substring: true, correct: true, f1: 0.5, latencyMs: 200 }));
  accumulator.add(outcome({ f1: 0.25, latencyMs: 300 }));
  accumulator.add(outcome({ latencyMs: 400 }));
  // Failed sample: its own flags must be ignored and its latency excluded.
  accumulator.add(
    outcome({
      failed: true,
      exact: true,
      correct: true,
      f1: 1,
      latencyMs: 9999,
      tokensInput: 7,
      tokensOutput: 0,
    }),
  );
  return accumulator;
}

describe('MetricsAccumulator', () => {
  it('computes accuracies as fractions of all samples, failures counting as incorrect', () => {
    const metrics = filledAccumulator().result(2000);
    expect(metrics.samples).toBe(5);
    expect(metrics.failed).toBe(1);
    expect(metrics.accuracyExact).toBeCloseTo(1 / 5, 12);
    expect(metrics.accuracySubstring).toBeCloseTo(2 / 5, 12);
    expect(metrics.accuracyAny).toBeCloseTo(2 / 5, 12);
    expect(metrics.f1Mean).toBeCloseTo(1.75 / 5, 12);
  });

  it('computes latency statistics over non-failed samples only', () => {
    const metrics = filledAccumulator().result(2000);
    expect(metrics.latencyMean).toBe(250);
    expect(metrics.latencyP50).toBeCloseTo(250, 10); // [100,200,300,400] rank 1.5
    expect(metrics.latencyP95).toBeCloseTo(385, 10); // rank 2.85
    expect(metrics.latencyP99).toBeCloseTo(397, 10); // rank 2.97
  });

  it('computes throughput from wall time', () => {
    expect(filledAccumulator().result(2000).throughput).toBe(2.5);
    expect(filledAccumulator().result(500).throughput).toBe(10);
    expect(filledAccumulator().result(0).throughput).toBe(0);
    expect(filledAccumulator().result(-5).throughput).toBe(0);
  });

  it('sums tokens including failed samples and estimates cost only with a price', () => {
    const accumulator = filledAccumulator();
    const unpriced = accumulator.result(1000);
    expect(unpriced.tokensInput).toBe(47);
    expect(unpriced.tokensOutput).toBe(20);
    expect(unpriced.estimatedCostUsd).toBeNull();
    expect(accumulator.result(1000, null).estimatedCostUsd).toBeNull();
    // 47 * $3/M + 20 * $15/M = 0.000141 + 0.0003
    const priced = accumulator.result(1000, { inputPerMillion: 3, outputPerMillion: 15 });
    expect(priced.estimatedCostUsd).toBeCloseTo(0.000441, 12);
  });

  it('returns zeros instead of NaN when empty', () => {
    expect(
      new MetricsAccumulator().result(1000, { inputPerMillion: 1, outputPerMillion: 2 }),
    ).toEqual({
      samples: 0,
      failed: 0,
      accuracyExact: 0,
      accuracySubstring: 0,
      accuracyAny: 0,
      f1Mean: 0,
      latencyMean: 0,
      latencyP50: 0,
      latencyP95: 0,
      latencyP99: 0,
      throughput: 0,
      tokensInput: 0,
      tokensOutput: 0,
      estimatedCostUsd: 0,
    });
  });

  it('reports zero latency when every sample failed', () => {
    const accumulator = new MetricsAccumulator();
    accumulator.add(outcome({ failed: true, latencyMs: 5000 }));
    const metrics = accumulator.result(1000);
    expect(metrics.failed).toBe(1);
    expect(metrics.accuracyAny).toBe(0);
    expect(metrics.latencyMean).toBe(0);
    expect(metrics.latencyP99).toBe(0);
    expect(metrics.throughput).toBe(1);
  });
});
