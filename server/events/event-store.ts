import type { Knex } from '@mikro-orm/knex';
import type { Database } from '../db/orm.ts';
import { bulkInsert, jsonValue } from '../db/bulk-insert.ts';
import { sqlDialect, type SqlDialect } from '../db/dialect.ts';
import { WriteBehind } from '../db/write-behind.ts';
import type { Logger } from '../logger.ts';
import { isTerminalEvent, type ExperimentEvent } from './event-bus.ts';

/** Events per replay page: small enough that a reader who leaves wastes little of a read already in flight. */
const PAGE = 250;

/**
 * Durable log of every experiment event, written in batched transactions. Events stay in memory as
 * "pending" until their transaction commits, so a replay that reads pending events before the
 * database never misses one that is between the two.
 *
 * A SampleCompleted event is not written here: the result writer stores it in the same transaction
 * as its sample's result row, so after a crash the log holds exactly one SampleCompleted per stored
 * result and none for a result that was lost.
 *
 * With two writers, an experiment's stored events must still always be its first k, with no hole:
 * whoever takes over after a crash numbers on from the highest stored seq, so an event lost below it
 * would be a gap no viewer could ever fill. Hence an event is written here only once every
 * SampleCompleted before it is committed, and the result writer takes the events before its
 * samples into its own transaction (`takeBefore`).
 */
export class EventStore {
  private buffer: ExperimentEvent[] = [];
  private readonly pending = new Map<string, ExperimentEvent[]>();
  private readonly writes: WriteBehind;
  private readonly dialect: SqlDialect;

  constructor(
    private readonly orm: Database,
    logger: Logger,
    /**
     * Told of each batch once it is committed (`stored`) or given up on (the bus sends stored events on
     * to other processes, in seq order, and skips lost ones).
     */
    private readonly onSettled: (
      events: readonly ExperimentEvent[],
      stored: boolean,
    ) => void = () => {},
    maxDelayMs = 50,
    private readonly maxBatch = 2000,
  ) {
    this.dialect = sqlDialect(orm);
    this.writes = new WriteBehind(
      () => this.writeBuffered(),
      maxDelayMs,
      (error) => logger.error('storing events failed', { error }),
    );
  }

  /** Queues an event for writing (the EventBus sink); a SampleCompleted only waits, pending, for the result writer. */
  record(event: ExperimentEvent): void {
    const list = this.pending.get(event.experimentId);
    if (list) list.push(event);
    else this.pending.set(event.experimentId, [event]);
    if (event.type === 'SampleCompleted') return;
    this.buffer.push(event);
    // The end of an attempt is written at once: between threads or processes an event is sent only
    // once stored, and every viewer of the run waits for this one.
    this.writes.schedule(isTerminalEvent(event) || this.buffer.length >= this.maxBatch);
  }

  /** Events another writer committed (or, when not `committed`, gave up on): no longer pending. */
  written(events: readonly ExperimentEvent[], committed: boolean): void {
    this.release(events);
    this.onSettled(events, committed);
    // Events held behind those SampleCompleted ones may go now.
    if (this.buffer.length > 0) this.writes.schedule(this.buffer.some(isTerminalEvent));
  }

  /**
   * For the result writer, before it writes samples up to `seq`: the experiment's events before
   * `seq` not yet written, which its transaction then stores (it reports them through `written`).
   * Resolves after any write of this store in progress, so nothing before them is still uncommitted.
   */
  takeBefore(experimentId: string, seq: number): Promise<ExperimentEvent[]> {
    return this.writes.enqueue(async () => {
      const taken: ExperimentEvent[] = [];
      this.buffer = this.buffer.filter((event) => {
        const take = event.experimentId === experimentId && event.seq < seq;
        if (take) taken.push(event);
        return !take;
      });
      return taken;
    });
  }

  /** Events of the experiment not yet committed, in order. */
  pendingOf(experimentId: string): ExperimentEvent[] {
    return [...(this.pending.get(experimentId) ?? [])];
  }

  /** Stored events with `after < seq <= upTo`, in order, read page by page until `stopped()` says the reader left. */
  async *stored(
    experimentId: string,
    after: number,
    upTo: number,
    stopped: () => boolean = () => false,
  ): AsyncGenerator<ExperimentEvent> {
    let last = after;
    for (;;) {
      // The reader went away, or it is at the live edge already (a subscriber joining with no
      // `after`, or before the run): nothing to read, no query.
      if (stopped() || last >= upTo) return;
      // Plain rows, not entities: a replay reads thousands of events, and entity hydration was most of its cost.
      const rows = await this.orm.em
        .fork()
        .getConnection('read')
        .execute<{ seq: number; payload: unknown }[]>(
          'select seq, payload from experiment_events where experiment_id = ? and seq > ? and seq <= ? order by seq limit ?',
          [experimentId, last, upTo, PAGE],
        );
      for (const row of rows) yield this.dialect.json<ExperimentEvent>(row.payload);
      if (rows.length < PAGE) return;
      last = Number((rows.at(-1) as { seq: number }).seq);
    }
  }

  /** The highest stored seq of one experiment (0 when none), for the worker taking over its attempt. */
  async lastSequenceOf(experimentId: string): Promise<number> {
    await this.flush();
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ seq: unknown }[]>(
        'select max(seq) as seq from experiment_events where experiment_id = ?',
        [experimentId],
      );
    return Number(rows[0]?.seq ?? 0);
  }

  /** The highest stored seq of every experiment, to continue numbering after a restart. */
  async lastSequences(): Promise<Map<string, number>> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ experiment_id: string; seq: number }[]>(
        'select experiment_id, max(seq) as seq from experiment_events group by experiment_id',
      );
    return new Map(rows.map((row) => [row.experiment_id, Number(row.seq)]));
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
    const events = this.writable();
    if (events.length === 0) return;
    let committed: ExperimentEvent[] = [];
    try {
      committed = await this.write(events);
    } finally {
      this.release(events);
      const stored = new Set(committed);
      if (committed.length > 0) this.onSettled(committed, true);
      const lost = events.filter((event) => !stored.has(event));
      if (lost.length > 0) this.onSettled(lost, false);
    }
  }

  /** Takes from the buffer the events that have no uncommitted SampleCompleted before them; the rest stay. */
  private writable(): ExperimentEvent[] {
    const bounds = new Map<string, number>();
    const boundOf = (experimentId: string) => {
      let bound = bounds.get(experimentId);
      if (bound === undefined) {
        // Pending events are in seq order: the first SampleCompleted is the lowest uncommitted one.
        const sample = this.pending.get(experimentId)?.find((e) => e.type === 'SampleCompleted');
        bound = sample?.seq ?? Number.POSITIVE_INFINITY;
        bounds.set(experimentId, bound);
      }
      return bound;
    };
    const writable: ExperimentEvent[] = [];
    const held: ExperimentEvent[] = [];
    for (const event of this.buffer)
      (event.seq < boundOf(event.experimentId) ? writable : held).push(event);
    this.buffer = held;
    return writable;
  }

  /** Resolves with the events committed. */
  private async write(events: ExperimentEvent[]): Promise<ExperimentEvent[]> {
    try {
      await this.insert(events);
      return events;
    } catch (error) {
      // An experiment deleted while its last events waited here breaks the foreign key: drop those.
      const existing = await this.existingExperiments(events);
      const kept = events.filter((event) => existing.has(event.experimentId));
      if (kept.length === events.length) throw error;
      await this.insert(kept);
      return kept;
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
      .execute<{ id: string }[]>(
        `select id from experiments where id in (${ids.map(() => '?').join(',')})`,
        ids,
      );
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
export async function insertEvents(
  orm: Database,
  events: readonly ExperimentEvent[],
  via?: Knex.Transaction,
): Promise<void> {
  const createdAt = new Date();
  await bulkInsert(
    orm,
    {
      table: 'experiment_events',
      columns: ['experiment_id', 'seq', 'attempt', 'type', 'payload', 'created_at'],
      rows: events.map((event) => [
        event.experimentId,
        event.seq,
        event.attempt,
        event.type,
        jsonValue(event),
        createdAt,
      ]),
      onConflict: '(experiment_id, seq) do nothing',
    },
    via,
  );
}
