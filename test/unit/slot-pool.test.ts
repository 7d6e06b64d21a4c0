import { describe, expect, it } from 'vitest';
import { SlotPool } from '../../server/engine/slot-pool.ts';

describe('the runner window (SlotPool)', () => {
  it("should hand a waiting sample's slot to the next sample, and give it back first when the wait ends", async () => {
    const pool = new SlotPool(2);
    const order: string[] = [];
    await pool.acquire();
    await pool.acquire();
    let endWait: () => void = () => {};
    const waiting = pool
      .whileWaiting(() => new Promise<void>((resolve) => (endWait = resolve)))
      .then(() => order.push('waiter resumed'));
    // The wait freed a slot: a third sample starts although two are already at work.
    await pool.acquire().then(() => order.push('third started'));
    const fourth = pool.acquire().then(() => order.push('fourth started'));
    endWait();
    await Promise.resolve();
    expect(order).toEqual(['third started']); // the window is full: the waiter queues, ahead of the fourth
    pool.release();
    await waiting;
    expect(order).toEqual(['third started', 'waiter resumed']);
    pool.release();
    await fourth;
    expect(order).toEqual(['third started', 'waiter resumed', 'fourth started']);
  });
});
