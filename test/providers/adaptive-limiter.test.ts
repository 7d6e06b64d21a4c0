import { describe, expect, it } from 'vitest';
import {
  AdaptiveLimiter,
  type CallResult,
  type Permit,
} from '../../server/engine/providers/adaptive-limiter.ts';

async function acquireAll(limiter: AdaptiveLimiter, n: number): Promise<Permit[]> {
  return Promise.all(Array.from({ length: n }, () => limiter.acquire()));
}

/** `workers` callers each make `callsEach` successful calls in a row, all at once: a demand of `workers`. */
async function cleanCalls(
  limiter: AdaptiveLimiter,
  workers: number,
  callsEach: number,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = 0; i < callsEach; i++) {
        const permit = await limiter.acquire();
        await Promise.resolve();
        permit.release('success');
      }
    }),
  );
}

/** 8 calls at once, the first answered 429 (the others fail otherwise): the window halves to 4. */
async function firstEpisode(limiter: AdaptiveLimiter): Promise<void> {
  for (const [i, permit] of (await acquireAll(limiter, 8)).entries())
    permit.release(i === 0 ? 'rate_limited' : 'failed');
}

/** `outcomes.length` calls at once, released in order with these results. */
async function callsAtOnce(
  limiter: AdaptiveLimiter,
  outcomes: readonly CallResult[],
): Promise<void> {
  for (const [i, permit] of (await acquireAll(limiter, outcomes.length)).entries())
    permit.release(outcomes[i] as CallResult);
}

const limits = (limiter: AdaptiveLimiter) =>
  limiter.history.map((change) => `${change.limit}:${change.reason}`);

describe('the adaptive concurrency window', () => {
  it('should let every call through until the first 429', async () => {
    const limiter = new AdaptiveLimiter();
    const permits = await acquireAll(limiter, 32);
    expect(limiter.active).toBe(32);
    expect(limiter.currentLimit).toBeNull();
    for (const permit of permits) permit.release('success');
    expect(limits(limiter)).toEqual([]);
  });

  it('should halve on the first 429 of an episode, then narrow to the calls the server still holds, as one change', async () => {
    const limiter = new AdaptiveLimiter();
    const permits = await acquireAll(limiter, 8);
    permits[0]!.release('rate_limited');
    expect(limiter.currentLimit).toBe(4);
    for (const permit of permits.slice(1, 6)) permit.release('rate_limited');
    expect(limiter.currentLimit).toBe(2);
    for (const permit of permits.slice(6)) permit.release('success');
    expect(limiter.currentLimit).toBe(2);
    expect(limits(limiter)).toEqual(['2:rate_limited']);
  });

  it('should not narrow on a late 429 of a call sent before the window grew back', async () => {
    const limiter = new AdaptiveLimiter();
    await firstEpisode(limiter);
    const [p1, p2, p3, p4] = await acquireAll(limiter, 4);
    const p5 = limiter.acquire();
    p1!.release('success');
    p2!.release('success');
    p3!.release('success');
    (await p5).release('success');
    expect(limiter.currentLimit).toBe(5);
    p4!.release('rate_limited');
    expect(limiter.currentLimit).toBe(5);
    expect(limits(limiter)).toEqual(['4:rate_limited', '5:clean_rounds']);
  });

  it('should queue calls beyond the window and admit them first come, first served', async () => {
    const limiter = new AdaptiveLimiter();
    const first = await acquireAll(limiter, 4);
    first[0]!.release('rate_limited');
    expect(limiter.currentLimit).toBe(2);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) =>
      limiter.acquire().then((permit) => {
        order.push(n);
        return permit;
      }),
    );
    first[1]!.release('success');
    await Promise.resolve();
    expect(order).toEqual([]);
    first[2]!.release('success');
    const admitted = await waiting[0]!;
    expect(order).toEqual([1]);
    expect(limiter.active).toBe(2);
    first[3]!.release('success');
    admitted.release('success');
    for (const permit of await Promise.all(waiting.slice(1))) permit.release('success');
    expect(order).toEqual([1, 2, 3]);
  });

  it('should grow back by one after each clean round, up to the demand it has seen', async () => {
    const limiter = new AdaptiveLimiter();
    const permits = await acquireAll(limiter, 6);
    permits[0]!.release('rate_limited');
    for (const permit of permits.slice(1)) permit.release('failed');
    expect(limiter.currentLimit).toBe(3);
    await cleanCalls(limiter, 6, 20);
    expect(limits(limiter)).toEqual([
      '3:rate_limited',
      '4:clean_rounds',
      '5:clean_rounds',
      '6:clean_rounds',
    ]);
    expect(limiter.currentLimit).toBe(6);
  });

  it('should return to the last clean level after a failed probe and probe again only after probeRounds', async () => {
    const limiter = new AdaptiveLimiter({ probeRounds: 3 });
    await firstEpisode(limiter);
    expect(limiter.currentLimit).toBe(4);
    await cleanCalls(limiter, 4, 1);
    expect(limiter.currentLimit).toBe(5);
    await callsAtOnce(limiter, ['success', 'success', 'success', 'success', 'rate_limited']);
    expect(limiter.currentLimit).toBe(4);
    // 8 calls are 2 clean rounds at 4: one short of the 3 needed before probing 5 again.
    await cleanCalls(limiter, 8, 1);
    expect(limiter.currentLimit).toBe(4);
    await cleanCalls(limiter, 8, 1);
    expect(limiter.currentLimit).toBe(5);
    expect(limits(limiter)).toEqual([
      '4:rate_limited',
      '5:clean_rounds',
      '4:rate_limited',
      '5:clean_rounds',
    ]);
  });

  it('should take scattered 429s at a level that proved clean as noise, and step down by one in a run of 429s', async () => {
    const limiter = new AdaptiveLimiter();
    await firstEpisode(limiter);
    await cleanCalls(limiter, 4, 3);
    expect(limiter.currentLimit).toBe(5);
    // Two 429s among many successes: the server rejects a few calls whatever the load.
    await callsAtOnce(limiter, ['rate_limited', 'success', 'success', 'success']);
    await callsAtOnce(limiter, ['rate_limited', 'success', 'success', 'success']);
    expect(limiter.currentLimit).toBe(5);
    // A run of 429s: saturation.
    await callsAtOnce(limiter, ['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    await callsAtOnce(limiter, ['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(limiter.currentLimit).toBe(4);
    expect(limits(limiter)).toEqual(['4:rate_limited', '5:clean_rounds', '4:rate_limited']);
  });

  it('should not delay the next probe once the server has rejected calls at a level that proved clean', async () => {
    const limiter = new AdaptiveLimiter({ probeRounds: 3 });
    await firstEpisode(limiter);
    await cleanCalls(limiter, 4, 1);
    expect(limiter.currentLimit).toBe(5);
    // A 429 with only 4 in flight, at the clean level: noise, forgiven.
    await callsAtOnce(limiter, ['rate_limited', 'success', 'success', 'success']);
    expect(limiter.currentLimit).toBe(5);
    await callsAtOnce(limiter, ['rate_limited', 'success', 'success', 'success', 'success']);
    expect(limiter.currentLimit).toBe(4);
    await cleanCalls(limiter, 8, 1);
    expect(limiter.currentLimit).toBe(5);
    expect(limits(limiter)).toEqual([
      '4:rate_limited',
      '5:clean_rounds',
      '4:rate_limited',
      '5:clean_rounds',
    ]);
  });

  it('should never go below one call in flight', async () => {
    const limiter = new AdaptiveLimiter();
    for (let i = 0; i < 5; i++) (await limiter.acquire()).release('rate_limited');
    expect(limiter.currentLimit).toBe(1);
    expect(limits(limiter)).toEqual(['1:rate_limited']);
  });

  it('should drop a waiting call whose signal aborts, with the abort reason', async () => {
    const limiter = new AdaptiveLimiter();
    const [a, b] = await acquireAll(limiter, 2);
    a!.release('rate_limited');
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const waiting = limiter.acquire(controller.signal).catch((e: unknown) => e);
    controller.abort(reason);
    expect(await waiting).toBe(reason);
    b!.release('success');
    expect(limiter.active).toBe(0);
    const next = await limiter.acquire();
    expect(limiter.active).toBe(1);
    next.release('success');
  });

  it('should forget an episode after being idle for idleResetMs', async () => {
    let now = 0;
    const limiter = new AdaptiveLimiter({ idleResetMs: 1_000, now: () => now });
    for (const [i, permit] of (await acquireAll(limiter, 4)).entries())
      permit.release(i === 0 ? 'rate_limited' : 'failed');
    expect(limiter.currentLimit).toBe(2);
    now = 999;
    (await limiter.acquire()).release('success');
    expect(limiter.currentLimit).toBe(2);
    now = 2_000;
    (await limiter.acquire()).release('success');
    expect(limiter.currentLimit).toBeNull();
    expect(limits(limiter)).toEqual(['2:rate_limited', 'null:idle_reset']);
  });
});
