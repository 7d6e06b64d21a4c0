import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../server/engine/experiment-config.ts';
import { createNaiveMethod } from '../../server/engine/methods/naive.ts';
import { AttemptRunner, type PendingSample, type SampleRecord } from '../../server/engine/runner.ts';
import type { Provider } from '../../server/engine/types.ts';

/** Answers at once: a run with it never waits on a timer or on I/O by itself. */
const instant: Provider = {
  kind: 'SIMULATED',
  complete: () => Promise.resolve({ text: '4', tokensInput: 10, tokensOutput: 1, finishReason: 'stop' }),
};

function* samples(n: number): Generator<PendingSample> {
  for (let i = 0; i < n; i++) yield { sampleIndex: i, example: { id: `e${i}`, question: `q${i}`, answer: '4', aliases: [] } };
}

function runner(throttle?: () => Promise<void> | null) {
  const records: SampleRecord[] = [];
  const config = validateConfig({ optimization: { enableBatching: true, batchSize: 4 } }, () => true);
  const attempt = new AttemptRunner({
    config,
    method: createNaiveMethod(),
    provider: instant,
    cache: null,
    endpoint: null,
    onSample: (record) => records.push(record),
    throttle,
  });
  return { attempt, records };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AttemptRunner flow control', () => {
  it('should start no new sample while the throttle holds it back, and go on once released', async () => {
    let asked = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { attempt, records } = runner(() => (++asked === 11 ? held : null));

    const run = attempt.run(samples(30), new AbortController().signal);
    for (let i = 0; i < 5; i++) await settle();
    expect(records).toHaveLength(10);
    release();
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
