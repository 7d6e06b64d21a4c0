import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../server/engine/experiment-config.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import {
  AttemptRunner,
  type PendingSample,
  type SampleRecord,
} from '../../server/engine/runner.ts';
import type { Provider } from '../../server/engine/types.ts';
import { deferred } from '../helpers/deferred.ts';

/** Answers at once (a run with it never waits on a timer or on I/O by itself) and counts its calls. */
function instantProvider(): Provider & { calls: number } {
  const provider = {
    kind: 'SIMULATED' as const,
    calls: 0,
    complete: () => {
      provider.calls += 1;
      return Promise.resolve({
        text: '4',
        tokensInput: 10,
        tokensOutput: 1,
        finishReason: 'stop' as const,
      });
    },
  };
  return provider;
}

function* samples(n: number): Generator<PendingSample> {
  for (let i = 0; i < n; i++)
    yield { sampleIndex: i, example: { id: `e${i}`, question: `q${i}`, answer: '4', aliases: [] } };
}

function runner(
  throttle?: () => Promise<void> | null,
  onRecord: (count: number) => void = () => undefined,
) {
  const records: SampleRecord[] = [];
  const provider = instantProvider();
  const config = validateConfig(
    { optimization: { enableBatching: true, batchSize: 4 } },
    () => true,
  );
  const attempt = new AttemptRunner({
    config,
    method: createNaiveMethod(),
    provider,
    cache: null,
    endpoint: null,
    onSample: (record) => onRecord(records.push(record)),
    throttle,
  });
  return { attempt, records, provider };
}

describe('AttemptRunner flow control', () => {
  it('should start no new sample while the throttle holds it back, and go on once released', async () => {
    let asked = 0;
    const held = deferred();
    const heldBack = deferred();
    const tenRecorded = deferred();
    const { attempt, records, provider } = runner(
      () => {
        asked += 1;
        if (asked !== 11) return null;
        heldBack.resolve();
        return held.promise;
      },
      (count) => {
        if (count === 10) tenRecorded.resolve();
      },
    );

    const run = attempt.run(samples(30), new AbortController().signal);
    // The runner asked before its 11th sample and was told to wait; the first ten end meanwhile.
    await Promise.all([heldBack.promise, tenRecorded.promise]);
    expect(provider.calls).toBe(10);
    expect(records).toHaveLength(10);
    held.resolve();
    await run;
    expect(records).toHaveLength(30);
    expect(records.map((r) => r.sampleIndex).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
  });

  it('should let timers run while a run whose answers come at once is going on', async () => {
    const { attempt, records } = runner();
    let doneWhenTimerFired: number | null = null;
    const run = attempt.run(samples(5000), new AbortController().signal);
    setTimeout(() => (doneWhenTimerFired = records.length), 0);
    await run;
    expect(records).toHaveLength(5000);
    // Without turns for the event loop the timer could only fire after the last sample.
    expect(doneWhenTimerFired).not.toBeNull();
    expect(doneWhenTimerFired!).toBeLessThan(5000);
  });
});
