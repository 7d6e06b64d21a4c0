import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../server/engine/cache/response-cache.ts';
import {
  validateConfig,
  type ExperimentConfigInput,
} from '../../server/engine/experiment-config.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import {
  AttemptRunner,
  type PendingSample,
  type SampleRecord,
} from '../../server/engine/runner.ts';
import type {
  Completion,
  CompletionRequest,
  Example,
  Provider,
} from '../../server/engine/types.ts';

/**
 * A provider whose calls stay in flight until the test releases them, so the window can be
 * observed exactly, without timers.
 */
class GatedProvider implements Provider {
  readonly kind = 'SIMULATED' as const;
  readonly pending: {
    request: CompletionRequest;
    release: (text?: string) => void;
    fail: (error: Error) => void;
  }[] = [];
  calls = 0;
  private arrived: (() => void) | null = null;

  complete(request: CompletionRequest): Promise<Completion> {
    this.calls += 1;
    request.onTheWire?.begin();
    return new Promise<Completion>((resolve, reject) => {
      const question = request.messages
        .at(-1)!
        .content.replace(/^Question: /, '')
        .replace(/\nAnswer:$/, '');
      this.pending.push({
        request,
        release: (text = `answer to ${question}`) =>
          resolve({ text, tokensInput: 10, tokensOutput: 2, finishReason: 'stop' }),
        fail: reject,
      });
      request.signal?.addEventListener('abort', () => reject(request.signal!.reason));
      this.arrived?.();
    }).finally(() => request.onTheWire?.end());
  }

  /** Resolves once `count` calls are waiting. */
  async waitForPending(count: number): Promise<void> {
    while (this.pending.length < count)
      await new Promise<void>((resolve) => (this.arrived = resolve));
  }

  releaseOldest(text?: string): void {
    this.pending.shift()!.release(text);
  }
}

function examples(n: number, question = (i: number) => `q${i}`): PendingSample[] {
  return Array.from({ length: n }, (_, i) => {
    const example: Example = {
      id: `e${i}`,
      question: question(i),
      answer: `answer to ${question(i)}`,
      aliases: [],
    };
    return { sampleIndex: i, example };
  });
}

function setup(config: ExperimentConfigInput, provider: Provider) {
  const validated = validateConfig(config, () => true);
  const records: SampleRecord[] = [];
  const runner = new AttemptRunner({
    config: validated,
    method: createNaiveMethod(),
    provider,
    cache: validated.optimization.enableCaching
      ? new ResponseCache(validated.optimization.cacheMaxSize)
      : null,
    endpoint: null,
    onSample: (record) => records.push(record),
  });
  return { runner, records };
}

/** Lets every already-settled promise continuation run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AttemptRunner', () => {
  it('should keep exactly batchSize calls in flight and start a new one as soon as any finishes', async () => {
    const provider = new GatedProvider();
    const { runner, records } = setup(
      { optimization: { enableBatching: true, batchSize: 4 } },
      provider,
    );
    const run = runner.run(examples(10), new AbortController().signal);

    await provider.waitForPending(4);
    await settle();
    expect(provider.pending).toHaveLength(4);
    // A sliding window, not fixed groups: one finishing call frees one slot at once.
    provider.pending.splice(2, 1)[0]!.release();
    await provider.waitForPending(4);
    await settle();
    expect(provider.calls).toBe(5);
    expect(records).toHaveLength(1);

    while (provider.pending.length > 0 || provider.calls < 10) {
      await provider.waitForPending(1);
      provider.releaseOldest();
      await settle();
    }
    await run;
    expect(records.map((r) => r.sampleIndex).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    const profile = runner.profile(1000);
    expect(profile.batchStats).toMatchObject({
      enabled: true,
      batchSize: 4,
      batchesProcessed: 3,
      totalPromptsBatched: 10,
      peakConcurrency: 4,
    });
    expect(profile.apiCalls).toBe(10);
    expect(runner.metrics.result(1000).accuracyExact).toBe(1);
  });

  it('should run one call at a time with batching off', async () => {
    const provider = new GatedProvider();
    const { runner } = setup({ optimization: { enableBatching: false, batchSize: 8 } }, provider);
    const run = runner.run(examples(3), new AbortController().signal);
    for (let i = 0; i < 3; i++) {
      await provider.waitForPending(1);
      await settle();
      expect(provider.pending).toHaveLength(1);
      provider.releaseOldest();
    }
    await run;
    expect(runner.profile(1).batchStats).toMatchObject({
      enabled: false,
      batchSize: 1,
      batchesProcessed: 0,
      peakConcurrency: 1,
    });
  });

  it('should turn batching off for REACT and say why', () => {
    const { runner } = setup(
      { reasoningMethod: 'REACT', optimization: { enableBatching: true, batchSize: 8 } },
      new GatedProvider(),
    );
    expect(runner.concurrency).toBe(1);
    expect(runner.profile(0).batchStats.disabledReason).toMatch(/REACT/);
  });

  it('should record a provider failure on its sample and carry on with the others', async () => {
    const provider = new GatedProvider();
    const { runner, records } = setup(
      { optimization: { enableBatching: true, batchSize: 2 } },
      provider,
    );
    const run = runner.run(examples(3), new AbortController().signal);
    await provider.waitForPending(2);
    provider.pending.shift()!.fail(new Error('HTTP 500 from provider'));
    provider.releaseOldest();
    await provider.waitForPending(1);
    provider.releaseOldest();
    await run;
    const failed = records.find((r) => r.sampleIndex === 0)!;
    expect(failed).toMatchObject({
      error: 'HTTP 500 from provider',
      rawOutput: null,
      parsedAnswer: null,
    });
    expect(failed.score.correct).toBe(false);
    expect(runner.failed).toBe(1);
    expect(runner.done).toBe(3);
    expect(runner.metrics.result(1000)).toMatchObject({ samples: 3, failed: 1 });
  });

  it('should stop dispatching on abort and record no interrupted sample', async () => {
    const provider = new GatedProvider();
    const { runner, records } = setup(
      { optimization: { enableBatching: true, batchSize: 2 } },
      provider,
    );
    const controller = new AbortController();
    const run = runner.run(examples(50), controller.signal);
    await provider.waitForPending(2);
    provider.releaseOldest();
    await provider.waitForPending(2);
    controller.abort(new Error('cancelled'));
    await run;
    expect(records).toHaveLength(1);
    expect(provider.calls).toBe(3);
  });

  it('should send identical concurrent requests once and serve repeats from memory', async () => {
    const provider = new GatedProvider();
    const { runner, records } = setup(
      {
        optimization: { enableBatching: true, batchSize: 4, enableCaching: true, cacheMaxSize: 16 },
      },
      provider,
    );
    // Four samples, two distinct questions: q0 q1 q0 q1.
    const run = runner.run(
      examples(4, (i) => `q${i % 2}`),
      new AbortController().signal,
    );
    await provider.waitForPending(2);
    await settle();
    expect(provider.calls).toBe(2);
    provider.releaseOldest();
    provider.releaseOldest();
    await run;
    expect(records.filter((r) => r.cacheHit).map((r) => r.cacheTier)).toEqual([
      'inflight',
      'inflight',
    ]);
    // A later request for a stored response is served from memory without a call.
    await runner.run(
      examples(2, (i) => `q${i}`),
      new AbortController().signal,
    );
    expect(records.slice(4).map((r) => r.cacheTier)).toEqual(['memory', 'memory']);
    expect(provider.calls).toBe(2);
    expect(runner.profile(1).cacheStats).toMatchObject({
      hits: 4,
      misses: 2,
      inflightDeduplicated: 2,
      memoryHits: 2,
      size: 2,
    });
  });

  it('should not cache a failed response', async () => {
    const provider = new GatedProvider();
    const { runner, records } = setup(
      { optimization: { enableCaching: true, cacheMaxSize: 16 } },
      provider,
    );
    const run = runner.run(
      examples(2, () => 'same'),
      new AbortController().signal,
    );
    await provider.waitForPending(1);
    provider.pending.shift()!.fail(new Error('timeout'));
    await provider.waitForPending(1);
    provider.releaseOldest();
    await run;
    expect(provider.calls).toBe(2);
    expect(records.map((r) => [r.error, r.cacheHit])).toEqual([
      ['timeout', false],
      [null, false],
    ]);
  });
});
