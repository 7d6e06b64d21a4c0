import {
  ReferenceKind,
  type EntityClass,
  type EntityData,
  type EntityMetadata,
  type Primary,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';

/**
 * `em.findOne(entity, id)` without MikroORM's query builder: the identity map first, as findOne does,
 * then one `select *` by primary key, hydrated as `em.find` hydrates (see {@link hydrate}). An `experiment(id)` query spent about
 * 40 % of its CPU time building and compiling findOne's SQL (node --cpu-prof); the dashboard and
 * every polling client send it several times a second.
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
  const [row] = await rowsOf<T>(
    em,
    `select * from ${meta.tableName} where ${key?.fieldNames[0]} = ?`,
    [id],
  );
  return row ? hydrate(em, entity, row) : null;
}

/**
 * The rows of `entity` that match a plain SQL condition, as managed entities, with the columns
 * `em.find` would read (lazy ones left out, so a large lazy JSON column is not read and parsed):
 * `em.find` without its query builder, for reads sent on every list row or polled detail.
 */
export async function findWhere<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  condition: string,
  params: readonly unknown[],
): Promise<T[]> {
  const meta = em.getMetadata().get<T>(entity.name);
  const rows = await rowsOf<T>(
    em,
    `select ${eagerColumns(em, meta)} from ${meta.tableName} where ${condition}`,
    params,
  );
  return rows.map((row) => hydrate(em, entity, row));
}

/** Reads go to the read connection (SQLite's readers) outside a transaction, inside one to its own connection. */
function rowsOf<T>(em: EntityManager, sql: string, params: readonly unknown[]) {
  const transaction = em.getTransactionContext();
  return em
    .getConnection(transaction ? 'write' : 'read')
    .execute<EntityData<T>[]>(sql, [...params], 'all', transaction);
}

const EAGER_KINDS: ReadonlySet<ReferenceKind> = new Set([
  ReferenceKind.SCALAR,
  ReferenceKind.MANY_TO_ONE,
  ReferenceKind.EMBEDDED,
]);

function eagerColumns<T>(em: EntityManager, meta: EntityMetadata<T>): string {
  const platform = em.getPlatform();
  return meta.props
    .filter(
      (prop) =>
        !prop.lazy &&
        prop.persist !== false &&
        !prop.formula &&
        (EAGER_KINDS.has(prop.kind) || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)),
    )
    .flatMap((prop) => prop.fieldNames ?? [])
    .map((column) => platform.quoteIdentifier(column))
    .join(', ');
}

/**
 * A row of `select *` made into a managed entity the way `em.find` makes one: an entity already in
 * the identity map is returned as it is. Not `em.map`, which also snapshots every property for change
 * detection (serializing the JSON columns again): for the experiment list and detail queries that
 * was about a sixth of the main thread's CPU time.
 */
export function hydrate<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  row: EntityData<T>,
): T {
  const meta = em.getMetadata().get<T>(entity.name);
  const data = em.getDriver().mapResult(row, meta) as EntityData<T>;
  return em.getEntityFactory().create(entity, data, { merge: true, convertCustomTypes: true }) as T;
}
