import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementsDuring } from '../helpers/statements.ts';
import { createTestApp, launch, type TestApp } from '../helpers/test-app.ts';

async function all<T>(events: AsyncIterable<T>): Promise<T[]> {
  const read: T[] = [];
  for await (const event of events) read.push(event);
  return read;
}

describe('reading stored events for a replay', () => {
  let t: TestApp;
  let id: string;
  let last: number;

  beforeAll(async () => {
    t = await createTestApp();
    id = await launch(t, 'replayed', {
      numSamples: 3,
      provider: { kind: 'SIMULATED', latencyMs: 0 },
    });
    await t.waitForEnd(id);
    await t.app.eventStore.flush();
    last = t.app.bus.lastSeqOf(id);
  });

  afterAll(() => t.dispose());

  it('should read the events after the cursor up to the bound, in order', async () => {
    const events = await all(t.app.eventStore.stored(id, last - 2, last));
    expect(events.map((event) => event.seq)).toEqual([last - 1, last]);
  });

  // Every subscriber that joins at the live edge (no `after`, or before its run) asks for this.
  it('should send no statement when the cursor is at or past the bound', async () => {
    const atEdge = await statementsDuring(t, async () => {
      expect(await all(t.app.eventStore.stored(id, last, last))).toEqual([]);
      expect(await all(t.app.eventStore.stored(id, last + 5, last))).toEqual([]);
    });
    expect(atEdge).toEqual([]);
    const behind = await statementsDuring(t, () =>
      all(t.app.eventStore.stored(id, last - 1, last)),
    );
    expect(behind).toHaveLength(1);
  });
});
