import type { AbstractSqlDriver, MikroORM, Options } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { BoundSqliteDriver } from './bound-sqlite-driver.ts';
import { dialectOfLocation, redactUrl } from './dialect.ts';
import { getLoadablePath } from 'sqlite-vec';
import { AttemptSchema } from './entities/attempt.entity.ts';
import { CachedResponseSchema } from './entities/cached-response.entity.ts';
import { ExperimentEventSchema } from './entities/experiment-event.entity.ts';
import { ExperimentSchema } from './entities/experiment.entity.ts';
import { ImportedDatasetSchema } from './entities/imported-dataset.entity.ts';
import { StoredKnowledgeBaseSchema } from './entities/knowledge-base.entity.ts';
import { BaselinePinSchema } from './entities/baseline-pin.entity.ts';
import { PromptVersionSchema } from './entities/prompt-version.entity.ts';
import { VectorIndexRecordSchema } from './entities/vector-index.entity.ts';
import { SampleResultSchema } from './entities/sample-result.entity.ts';
import { migrationsList } from './migrations/index.ts';

interface SqliteConnection {
  exec(sql: string, done: (error: Error | null) => void): void;
  loadExtension(path: string, done: (error: Error | null) => void): void;
}

export const ENTITIES = [
  ExperimentSchema,
  AttemptSchema,
  SampleResultSchema,
  ExperimentEventSchema,
  ImportedDatasetSchema,
  CachedResponseSchema,
  StoredKnowledgeBaseSchema,
  PromptVersionSchema,
  BaselinePinSchema,
  VectorIndexRecordSchema,
];

/** The open database, SQLite or PostgreSQL: the rest of the server only uses what both share. */
export type Database = MikroORM<AbstractSqlDriver>;

/** Raised when the database cannot be opened (unreachable server, bad URL, unwritable file). */
export class DatabaseUnavailableError extends Error {
  constructor(location: string, cause: unknown) {
    super(
      `cannot open the database at ${redactUrl(location)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * Opens the database named by `location` — a SQLite path (or ':memory:'), or a postgres:// URL —
 * and brings its schema up to date with the migrations. Both run the same migrations, each with its
 * own dialect's SQL.
 */
export async function openDatabase(
  location: string,
  overrides: Partial<Options> = {},
): Promise<Database> {
  try {
    const orm =
      dialectOfLocation(location) === 'postgresql'
        ? await openPostgres(location, overrides)
        : await openSqlite(location, overrides);
    try {
      await orm.getMigrator().up();
    } catch (error) {
      await orm.close(true);
      throw error;
    }
    return orm;
  } catch (error) {
    throw new DatabaseUnavailableError(location, error);
  }
}

const COMMON: Partial<Options> = {
  entities: ENTITIES,
  extensions: [Migrator],
  migrations: { migrationsList, snapshot: false, transactional: true, silent: true },
  debug: false,
  allowGlobalContext: false,
};

/**
 * Connections of the SQLite read replica. A statement holds its connection from the pool's hand-over
 * until its callback has run on the event loop, which while experiments run is mostly waiting for the
 * loop, not SQLite work: with one reader every query queued behind the others' statements. Eight
 * answered about 6 × as many queries under load as one, with a lower p99 than four (docs/benchmarks.md).
 */
const READERS = 8;

/**
 * WAL with synchronous=NORMAL keeps every committed transaction across a process crash (kill -9)
 * while letting readers run beside the writer.
 */
async function openSqlite(path: string, overrides: Partial<Options>): Promise<Database> {
  const { MikroORM } = await import('@mikro-orm/sqlite');
  const pool = {
    min: 1,
    max: 1,
    afterCreate: (
      connection: SqliteConnection,
      done: (error: Error | null, connection: unknown) => void,
    ) => {
      const pragmas =
        path === ':memory:' ? '' : 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;';
      connection.exec(
        `PRAGMA busy_timeout = 5000; ${pragmas} PRAGMA foreign_keys = ON;`,
        (error) => {
          if (error) return done(error, connection);
          // sqlite-vec: the vector indexes of knowledge bases live in the same file. The callback form,
          // so a failure to load is reported (the package's load() helper would drop it).
          connection.loadExtension(getLoadablePath(), (loadError) => done(loadError, connection));
        },
      );
    },
  };
  return (await MikroORM.init({
    ...COMMON,
    dbName: path,
    driver: BoundSqliteDriver,
    // Reads (SELECTs outside transactions) have their own connections, so a query never queues behind
    // a batch of writes: in WAL mode each reads the last committed state while the writer writes or
    // checkpoints. Several of them, because a statement holds its connection until its callback has
    // run on the event loop: with one, every query of every client queued behind the others.
    replicas: path === ':memory:' ? [] : [{ name: 'reader', pool: { ...pool, max: READERS } }],
    preferReadReplicas: true,
    pool,
    ...overrides,
  } as Options)) as unknown as Database;
}

/** PostgreSQL: the database is created when missing; a pool of connections serves every process's writers and readers. */
async function openPostgres(url: string, overrides: Partial<Options>): Promise<Database> {
  const { MikroORM } = await import('@mikro-orm/postgresql');
  return (await MikroORM.init({
    ...COMMON,
    clientUrl: url,
    pool: { min: 0, max: 10 },
    // Fail fast with a clear message instead of waiting out the default acquire timeout.
    driverOptions: { connection: { connectionTimeoutMillis: 5000 } },
    ...overrides,
  } as Options)) as unknown as Database;
}
