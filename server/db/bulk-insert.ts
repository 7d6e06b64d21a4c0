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

// SQLite binds at most 32 766 parameters per statement (PostgreSQL 65 535); past about a hundred rows a statement costs
// more per row (it is parsed and planned as one huge compound), so batches go in statements of 100.
const MAX_PARAMETERS = 32_766;
const MAX_ROWS_PER_STATEMENT = 100;

/**
 * Inserts many rows with multi-row VALUES statements and bound parameters, straight through knex.
 * MikroORM's bulk insert maps every row through the entity metadata and compiles a compound SELECT,
 * which SQLite caps at 500 terms; at thousands of rows per second that mapping took a third of the
 * CPU time of a whole run (measured with node --cpu-prof). The same statements serve PostgreSQL,
 * where a multi-row VALUES insert of 100 rows is within a small factor of COPY and, unlike COPY,
 * can skip conflicting rows. Resolves with the number of rows inserted (skipped conflicts do not count).
 */
export async function bulkInsert(
  orm: Database,
  { table, columns, rows, onConflict }: BulkInsert,
  /** A transaction that other writes share; by default the ORM's own connection. */
  via?: Knex.Transaction,
): Promise<number> {
  let inserted = 0;
  if (rows.length === 0) return inserted;
  const knex = via ?? orm.em.getConnection().getKnex();
  const dialect = sqlDialect(orm);
  const bind = dialect.name === 'sqlite' ? toSqlite : (value: SqlValue) => value;
  const rowsPerStatement = Math.max(
    1,
    Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)),
  );
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = onConflict ? ` on conflict ${onConflict}` : '';
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    const chunk = rows.slice(i, i + rowsPerStatement);
    const result: unknown = await knex.raw(
      head + Array(chunk.length).fill(tuple).join(', ') + tail,
      chunk.flat().map(bind),
    );
    inserted += dialect.changes(result);
  }
  return inserted;
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
