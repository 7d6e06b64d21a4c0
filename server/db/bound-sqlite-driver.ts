import {
  JsonProperty,
  Utils,
  type AnyEntity,
  type Configuration,
  type EntityData,
  type Transaction,
} from '@mikro-orm/core';
import type { LoggingOptions, QueryResult } from '@mikro-orm/core';
import { AbstractSqlDriver } from '@mikro-orm/knex';
import { SqliteConnection, SqlitePlatform } from '@mikro-orm/sqlite';

type ExecuteMethod = 'all' | 'get' | 'run';
type Query = Parameters<SqliteConnection['execute']>[0];

/**
 * MikroORM's SQL connection inlines every parameter into the SQL text (its `formatQuery`, done so that
 * the logged SQL is runnable) before handing the text to SQLite. SQLite reads SQL text as a C string,
 * so a value with a NUL character cut the statement short and failed as a syntax error (a 500).
 * This connection hands values to the driver as bound parameters instead; a value MikroORM marks as
 * raw SQL keeps the inlining path, where inlining is what it asks for.
 */
export class BoundSqliteConnection extends SqliteConnection {
  /**
   * MikroORM's SQLite connection gives every connection the main `pool` option; a read replica that
   * declares its own `pool` gets that one instead, so the reads can have several connections while
   * the writes keep one.
   */
  override getKnexOptions(type: string): ReturnType<SqliteConnection['getKnexOptions']> {
    const options = super.getKnexOptions(type);
    const ownPool = this.type === 'read' ? this.options.pool : undefined;
    return ownPool ? { ...options, pool: ownPool } : options;
  }

  override async execute<
    T extends
      | QueryResult
      | EntityData<AnyEntity>
      | EntityData<AnyEntity>[] = EntityData<AnyEntity>[],
  >(
    query: Query,
    params: readonly unknown[] = [],
    method: ExecuteMethod = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    let sql: string;
    let values: readonly unknown[] = params;
    if (Utils.isObject(query)) {
      const knexQuery = query as {
        client: { transacting?: boolean };
        toSQL(): { sql: string; bindings?: readonly unknown[] };
      };
      ctx ??= (knexQuery.client.transacting ? query : undefined) as Transaction | undefined;
      const compiled = knexQuery.toSQL();
      sql = compiled.sql;
      values = compiled.bindings ?? [];
    } else {
      sql = query as string;
    }
    if (values.some((value) => Utils.isRawSql(value) || this.platform.isRaw(value))) {
      return super.execute<T>(sql, [...values], method, ctx, loggerContext);
    }
    await this.ensureConnection();
    sql = this.config.get('onQuery')(sql, values as unknown[]);
    const bindings = values.map(toBinding);
    return this.executeQuery(
      sql,
      async () => {
        const raw = this.getKnex().raw(sql, bindings as never);
        if (ctx) raw.transacting(ctx as never);
        return this.transformRawResult<T>(await raw, method);
      },
      { query: sql, params: values as unknown[], ...loggerContext },
    );
  }
}

function toBinding(value: unknown): string | number | bigint | Buffer | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (
    Utils.isPlainObject(value) ||
    Array.isArray(value) ||
    (value as Record<symbol, unknown>)[JsonProperty]
  )
    return JSON.stringify(value);
  return value as string | number | bigint | Buffer;
}

/** SQLite through bound parameters (see BoundSqliteConnection); otherwise MikroORM's SqliteDriver. */
export class BoundSqliteDriver extends AbstractSqlDriver<BoundSqliteConnection, SqlitePlatform> {
  constructor(config: Configuration) {
    super(config, new SqlitePlatform(), BoundSqliteConnection, ['knex', 'sqlite3']);
  }
}
