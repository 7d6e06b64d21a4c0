import type { Knex } from '@mikro-orm/knex';
import { sqlDialect } from './dialect.ts';
import type { Database } from './orm.ts';

/**
 * A column value: JSON as text, datetimes as Date, booleans as boolean. SQLite gets them as MikroORM
 * stores them there (epoch milliseconds, 0/1); PostgreSQL as timestamptz and boolean.
 */
export type SqlValue = string | number | boolean | Date | null;

export interface BulkInsert {
  table: string;
  columns: readonly string[];
  rows: readonly (readonly SqlValue[])[];
  /** What follows `on conflict`, e.g. "(attempt_id, sample_index) do nothing". */
  onConflict?: string;
}

// PostgreSQL binds at most 65 535 parameters per statement; past about a hundred rows a statement costs
// more per row (it is parsed and planned as one huge compound), so batches go in statements of 100.
const MAX_PARAMETERS = 65_535;
const MAX_ROWS_PER_STATEMENT = 100;

/**
 * Inserts many rows straight through knex, not through MikroORM: its bulk insert maps every row
 * through the entity metadata and compiles a compound SELECT, which at thousands of rows per second
 * took a third of the CPU time of a whole run (measured with node --cpu-prof). Resolves with the
 * number of rows inserted (skipped conflicts do not count).
 *
 * SQLite gets the whole batch as one JSON array in one bound parameter, unpacked by json_each: the
 * event loop serializes it in one native JSON.stringify, and SQLite parses it on its own thread.
 * With one bound parameter per value, binding the 13 500 values of a 500-row batch ran on the event
 * loop, value by value, between the engine's samples and the API's queries. PostgreSQL gets
 * multi-row VALUES statements of bound parameters, within a small factor of COPY and, unlike COPY,
 * able to skip conflicting rows.
 */
export async function bulkInsert(
  orm: Database,
  rows: BulkInsert,
  /** A transaction that other writes share; by default the ORM's own connection. */
  via?: Knex.Transaction,
): Promise<number> {
  if (rows.rows.length === 0) return 0;
  const knex = via ?? orm.em.getConnection().getKnex();
  const dialect = sqlDialect(orm);
  if (dialect.name === 'sqlite') return dialect.changes(await knex.raw(...sqliteJsonInsert(rows)));
  const { table, columns, onConflict } = rows;
  let inserted = 0;
  const rowsPerStatement = Math.max(
    1,
    Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)),
  );
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = onConflict ? ` on conflict ${onConflict}` : '';
  for (let i = 0; i < rows.rows.length; i += rowsPerStatement) {
    const chunk = rows.rows.slice(i, i + rowsPerStatement);
    const result: unknown = await knex.raw(
      head + Array(chunk.length).fill(tuple).join(', ') + tail,
      chunk.flat(),
    );
    inserted += dialect.changes(result);
  }
  return inserted;
}

/**
 * One statement for the whole batch: `insert … select value->>0, value->>1, … from json_each(?)`, in
 * array order. Dates go as epoch milliseconds and booleans as 0/1, as MikroORM stores them in SQLite.
 * `where true` is SQLite's required disambiguation before an upsert clause.
 */
function sqliteJsonInsert({ table, columns, rows, onConflict }: BulkInsert): [string, [string]] {
  const values = columns.map((_, index) => `value->>${index}`).join(', ');
  const tail = onConflict ? ` where true on conflict ${onConflict}` : '';
  const sql = `insert into ${table} (${columns.join(', ')}) select ${values} from json_each(?)${tail}`;
  return [sql, [JSON.stringify(rows.map((row) => row.map(toSqlite)))]];
}

/** A JSON column value (null stays SQL NULL). */
export function jsonValue(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function toSqlite(value: SqlValue): string | number | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
