import type { Configuration } from '@mikro-orm/core';

/** The two storage engines: SQLite (one file, the embedded default) or PostgreSQL (shared by several processes). */
export type Dialect = 'sqlite' | 'postgresql';

/** LLMFORGE_DB is either a SQLite path (or ':memory:') or a postgres:// URL. */
export function dialectOfLocation(location: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(location) ? 'postgresql' : 'sqlite';
}

/** The dialect an open ORM talks (its configuration carries a clientUrl only for PostgreSQL). */
export function dialectOf(orm: { config: Configuration }): Dialect {
  const url = orm.config.get('clientUrl');
  return url ? dialectOfLocation(url) : 'sqlite';
}

/** A URL with its password hidden, for logs and error messages. */
export function redactUrl(location: string): string {
  return location.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/**
 * The SQL that differs between the two engines, in one place. Everything else is written once in
 * the subset both understand (unquoted identifiers, `?` parameters, `on conflict … do nothing`).
 */
export interface SqlDialect {
  readonly name: Dialect;
  /** A boolean column as a query returns it (SQLite: 0/1; PostgreSQL: true/false). */
  bool(value: unknown): boolean;
  /** A count or sum (PostgreSQL returns bigint and numeric as strings). */
  num(value: unknown): number;
  /** A JSON column as a raw query returns it (SQLite: text; PostgreSQL: already parsed). */
  json<T>(value: unknown): T;
  /** SQL giving the 1-based position of the bound substring `?` in `column`, 0 when absent. */
  position(column: string): string;
  /** The rows a `knex.raw` write changed. */
  changes(result: unknown): number;
}

const SQLITE: SqlDialect = {
  name: 'sqlite',
  bool: (value) => value === 1 || value === true,
  num: (value) => Number(value ?? 0),
  json: <T>(value: unknown) =>
    typeof value === 'string' ? (JSON.parse(value) as T) : (value as T),
  position: (column) => `instr(${column}, ?)`,
  changes: (result) => (result as { changes: number }).changes,
};

const POSTGRESQL: SqlDialect = {
  ...SQLITE,
  name: 'postgresql',
  position: (column) => `strpos(${column}, ?)`,
  changes: (result) => (result as { rowCount: number | null }).rowCount ?? 0,
};

export function sqlDialect(orm: { config: Configuration }): SqlDialect {
  return dialectOf(orm) === 'postgresql' ? POSTGRESQL : SQLITE;
}
