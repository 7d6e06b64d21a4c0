import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { knex } from '@mikro-orm/knex';
import { dialectOfLocation, type Dialect } from '../../server/db/dialect.ts';

/**
 * Which engine the database tests run on: SQLite by default, PostgreSQL in the `postgresql` vitest
 * project (LLMFORGE_TEST_DB=postgresql). Each test app gets its own database there, so parallel
 * test files never see each other's rows.
 */
export const TEST_DIALECT: Dialect =
  process.env.LLMFORGE_TEST_DB === 'postgresql' ? 'postgresql' : 'sqlite';

/** The server the PostgreSQL tests create their databases on (trust auth, local). */
export const TEST_POSTGRES_SERVER =
  process.env.LLMFORGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** A fresh, empty database location: a SQLite file in a temp folder, or a new PostgreSQL database name. */
export function newDatabasePath(): string {
  if (TEST_DIALECT === 'postgresql')
    return `${TEST_POSTGRES_SERVER}/llmforge_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  return join(mkdtempSync(join(tmpdir(), 'llmforge-test-')), 'test.sqlite');
}

/** Removes what newDatabasePath made (the SQLite folder, or the PostgreSQL database). */
export async function removeDatabase(location: string): Promise<void> {
  if (location === ':memory:') return;
  if (dialectOfLocation(location) === 'sqlite') {
    rmSync(dirname(location), { recursive: true, force: true });
    return;
  }
  const url = new URL(location);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.destroy();
  }
}
