import type { Knex } from '@mikro-orm/knex';
import type { MikroORM } from '@mikro-orm/sqlite';

/** Where rows go: the ORM's connection, or a knex transaction that other writes share. */
export type BulkTarget = MikroORM | Knex | Knex.Transaction;

/** A column value as this schema stores it in SQLite: datetimes as epoch milliseconds, booleans as 0/1, JSON as text. */
export type SqlValue = string | number | null;

export interface BulkInsert {
  table: string;
  columns: readonly string[];
  rows: readonly (readonly SqlValue[])[];
  /** What follows `on conflict`, e.g. "(`attempt_id`, `sample_index`) do nothing". */
  onConflict?: string;
}

// SQLite binds at most 32 766 parameters per statement; past about a hundred rows a statement costs
// more per row (it is parsed and planned as one huge compound), so batches go in statements of 100.
const MAX_PARAMETERS = 32_766;
const MAX_ROWS_PER_STATEMENT = 100;

/**
 * Inserts many rows with multi-row VALUES statements and bound parameters, straight through knex.
 * MikroORM's bulk insert maps every row through the entity metadata and compiles a compound SELECT,
 * which SQLite caps at 500 terms; at thousands of rows per second that mapping took a third of the
 * CPU time of a whole run (measured with node --cpu-prof). Resolves with the number of rows inserted
 * (conflicting rows that were skipped do not count).
 */
export async function bulkInsert(target: BulkTarget, { table, columns, rows, onConflict }: BulkInsert): Promise<number> {
  let inserted = 0;
  if (rows.length === 0) return inserted;
  const knex = 'em' in target ? target.em.getConnection().getKnex() : target;
  const rowsPerStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)));
  const head = `insert into \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const tail = onConflict ? ` on conflict ${onConflict}` : '';
  for (let i = 0; i < rows.length; i += rowsPerStatement) {
    const chunk = rows.slice(i, i + rowsPerStatement);
    const result: { changes: number } = await knex.raw(head + Array(chunk.length).fill(tuple).join(', ') + tail, chunk.flat() as SqlValue[]);
    inserted += result.changes;
  }
  return inserted;
}

/** A JSON column value (null stays SQL NULL). */
export function jsonValue(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
