import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/orm.ts';
import { migrationsList } from '../../server/db/migrations/index.ts';
import { newDatabasePath, removeDatabase } from '../helpers/database.ts';

describe('database migrations', () => {
  it('should create the schema the entities describe, from an empty file', async () => {
    const path = newDatabasePath();
    const orm = await openDatabase(path);
    try {
      // Any difference between the migrated tables and the entity definitions would show up as SQL here.
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
      const executed = await orm.getMigrator().getExecutedMigrations();
      expect(executed.map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
    } finally {
      await orm.close(true);
      await removeDatabase(path);
    }
  });

  it('should be idempotent: reopening an existing database applies nothing twice and keeps data', async () => {
    const path = newDatabasePath();
    const first = await openDatabase(path);
    await first.em
      .fork()
      .getConnection()
      .execute(
        `insert into experiments (id, name, config, method, model_name, dataset_name, status, current_attempt, created_at, updated_at)
       values ('e1', 'kept', '{}', 'NAIVE', 'm', 'sample', 'PENDING', 0, ?, ?)`,
        [new Date(0), new Date(0)],
      );
    await first.close(true);
    const second = await openDatabase(path);
    try {
      const rows = await second.em
        .fork()
        .getConnection()
        .execute<{ name: string }[]>('select name from experiments');
      expect(rows).toEqual([{ name: 'kept' }]);
      expect(await second.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await second.close(true);
      await removeDatabase(path);
    }
  });
});
