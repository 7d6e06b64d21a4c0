import { MikroORM, type Options } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { AttemptSchema } from './entities/attempt.entity.ts';
import { CachedResponseSchema } from './entities/cached-response.entity.ts';
import { ExperimentEventSchema } from './entities/experiment-event.entity.ts';
import { ExperimentSchema } from './entities/experiment.entity.ts';
import { ImportedDatasetSchema } from './entities/imported-dataset.entity.ts';
import { StoredKnowledgeBaseSchema } from './entities/knowledge-base.entity.ts';
import { BaselinePinSchema } from './entities/baseline-pin.entity.ts';
import { PromptVersionSchema } from './entities/prompt-version.entity.ts';
import { SampleResultSchema } from './entities/sample-result.entity.ts';
import { migrationsList } from './migrations/index.ts';

export const ENTITIES = [ExperimentSchema, AttemptSchema, SampleResultSchema, ExperimentEventSchema, ImportedDatasetSchema, CachedResponseSchema, StoredKnowledgeBaseSchema, PromptVersionSchema, BaselinePinSchema];

/**
 * Opens (creating if needed) the SQLite database and brings its schema up to date with the migrations.
 * WAL with synchronous=NORMAL keeps every committed transaction across a process crash (kill -9)
 * while letting readers run beside the writer.
 */
export async function openDatabase(path: string, overrides: Partial<Options> = {}): Promise<MikroORM> {
  const orm = await MikroORM.init({
    dbName: path,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: { migrationsList, snapshot: false, transactional: true, silent: true },
    debug: false,
    allowGlobalContext: false,
    // A second connection for reads (SELECTs outside transactions), so a query never queues behind a
    // batch of writes: in WAL mode it reads the last committed state while the writer writes or checkpoints.
    replicas: path === ':memory:' ? [] : [{ name: 'reader' }],
    preferReadReplicas: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (connection: { exec(sql: string, done: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) => {
        const pragmas = path === ':memory:' ? '' : 'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;';
        connection.exec(`PRAGMA busy_timeout = 5000; ${pragmas} PRAGMA foreign_keys = ON;`, (error) => done(error, connection));
      },
    },
    ...overrides,
  });
  await orm.getMigrator().up();
  return orm;
}
