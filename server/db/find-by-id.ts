import type { EntityClass, EntityData, Primary } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

/**
 * `em.findOne(entity, id)` without MikroORM's query builder: the identity map first, as findOne does,
 * then one `select *` by primary key, hydrated with `em.map`. An `experiment(id)` query spent about
 * 40 % of its CPU time building and compiling findOne's SQL (node --cpu-prof); the dashboard and
 * every polling client send it several times a second. Reads go to the read connection (SQLite's
 * readers) outside a transaction, and inside one to the transaction's own connection.
 */
export async function findById<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  id: Primary<T>,
): Promise<T | null> {
  const meta = em.getMetadata().get<T>(entity.name);
  const managed = em.getUnitOfWork().getById<T>(meta.className, id);
  if (managed) return managed;
  const [key] = meta.getPrimaryProps();
  const transaction = em.getTransactionContext();
  const rows = await em
    .getConnection(transaction ? 'write' : 'read')
    .execute<EntityData<T>[]>(
      `select * from ${meta.tableName} where ${key?.fieldNames[0]} = ?`,
      [id],
      'all',
      transaction,
    );
  const row = rows[0];
  return row ? em.map(entity, row) : null;
}
