import type { MikroORM } from '@mikro-orm/sqlite';
import { bulkInsert, jsonValue, type BulkTarget } from '../db/bulk-insert.ts';
import { WriteBehind } from '../db/write-behind.ts';
import type { Logger } from '../logger.ts';
import type { ExperimentEvent } from './event-bus.ts';

/** Events per replay page: small enough that a reader who leaves wastes little of a read already in flight. */
const PAGE = 250;

/**
 * Durable log of every experiment event, written in batched transactions. Events stay in memory as
 * "pending" until their transaction commits, so a replay that reads pending events before the
 * database never misses one that is between the two.
 *
 * A SampleCompleted event is not written here: the result writer stores it in the same transaction
 * as its sample's result row (see `recordStoredElsewhere`), so after a crash the log holds exactly
 * one SampleCompleted per stored result and none for a result that was lost.
 */
export class EventStore {
  private buffer: ExperimentEvent[] = [];
  private readonly pending = new Map<string, ExperimentEvent[]>();
  private readonly writes: WriteBehind;

  constructor(
    private readonly orm: MikroORM,
    logger: Logger,
    maxDelayMs = 50,
    private readonly maxBatch = 2000,
  ) {
    this.writes = new WriteBehind(() => this.writeBuffered(), maxDelayMs, (error) =>
      logger.error('storing events failed', { error }),
    );
  }

  /** Queues an event for writing (the EventBus sink); a SampleCompleted only waits, pending, for the result writer. */
  record(event: ExperimentEvent): void {
    let list = this.pending.get(event.experimentId);
    if (!list) this.pending.set(event.experimentId, (list = []));
    list.push(event);
    if (event.type === 'SampleCompleted') return;
    this.buffer.push(event);
    this.writes.schedule(this.buffer.length >= this.maxBatch);
  }

  /** Events another writer committed (or gave up on): no longer pending. */
  written(events: readonly ExperimentEvent[]): void {
    this.release(events);
  }

  /** Events of the experiment not yet committed, in order. */
  pendingOf(experimentId: string): ExperimentEvent[] {
    return [...(this.pending.get(experimentId) ?? [])];
  }

  /** Stored events with `seq > after`, in order, read page by page until `stopped()` says the reader left. */
  async *stored(experimentId: string, after: number, stopped: () => boolean = () => false): AsyncGenerator<ExperimentEvent> {
    let last = after;
    for (;;) {
      if (stopped()) return; // the reader went away: no more pages
      // Plain rows, not entities: a replay reads thousands of events, and entity hydration was most of its cost.
      const rows = await this.orm.em
        .fork()
        .getConnection('read')
        .execute<{ seq: number; payload: string }[]>(
          'select seq, payload from experiment_events where experiment_id = ? and seq > ? order by seq limit ?',
          [experimentId, last, PAGE],
        );
      for (const row of rows) yield JSON.parse(row.payload) as ExperimentEvent;
      if (rows.length < PAGE) return;
      last = (rows.at(-1) as { seq: number }).seq;
    }
  }

  /** The highest stored seq of every experiment, to continue numbering after a restart. */
  async lastSequences(): Promise<Map<string, number>> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ experiment_id: string; seq: number }[]>(
        'select experiment_id, max(seq) as seq from experiment_events group by experiment_id',
      );
    return new Map(rows.map((row) => [row.experiment_id, row.seq]));
  }

  /** Drops what is not yet written for an experiment that is being deleted. */
  discard(experimentId: string): void {
    this.buffer = this.buffer.filter((event) => event.experimentId !== experimentId);
    this.pending.delete(experimentId);
  }

  async flush(): Promise<void> {
    await this.writes.flush().catch(() => undefined);
  }

  private async writeBuffered(): Promise<void> {
    const events = this.buffer;
    this.buffer = [];
    if (events.length === 0) return;
    try {
      await this.write(events);
    } finally {
      this.release(events);
    }
  }

  private async write(events: ExperimentEvent[]): Promise<void> {
    try {
      await this.insert(events);
    } catch (error) {
      // An experiment deleted while its last events waited here breaks the foreign key: drop those.
      const existing = await this.existingExperiments(events);
      const kept = events.filter((event) => existing.has(event.experimentId));
      if (kept.length === events.length) throw error;
      await this.insert(kept);
    }
  }

  private async insert(events: ExperimentEvent[]): Promise<void> {
    await insertEvents(this.orm, events);
  }

  private async existingExperiments(events: ExperimentEvent[]): Promise<Set<string>> {
    const ids = [...new Set(events.map((event) => event.experimentId))];
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>(`select id from experiments where id in (${ids.map(() => '?').join(',')})`, ids);
    return new Set(rows.map((row) => row.id));
  }

  /** Written (or given up on): no longer pending. Exactly these events: others with a lower seq may still wait for another writer. */
  private release(events: readonly ExperimentEvent[]): void {
    const done = new Set(events);
    for (const experimentId of new Set(events.map((event) => event.experimentId))) {
      const list = this.pending.get(experimentId);
      if (!list) continue;
      const rest = list.filter((event) => !done.has(event));
      if (rest.length > 0) this.pending.set(experimentId, rest);
      else this.pending.delete(experimentId);
    }
  }
}

/** Inserts event rows (a duplicate seq is ignored), on the ORM's connection or inside a caller's transaction. */
export async function insertEvents(target: BulkTarget, events: readonly ExperimentEvent[]): Promise<void> {
  const createdAt = Date.now();
  await bulkInsert(target, {
    table: 'experiment_events',
    columns: ['experiment_id', 'seq', 'attempt', 'type', 'payload', 'created_at'],
    rows: events.map((event) => [event.experimentId, event.seq, event.attempt, event.type, jsonValue(event), createdAt]),
    onConflict: '(`experiment_id`, `seq`) do nothing',
  });
}
