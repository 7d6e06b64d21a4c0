import { Migration } from '@mikro-orm/migrations';
import { dialectOfLocation, type Dialect } from '../dialect.ts';

/**
 * A migration that runs on both engines: each gives the SQL of its dialect. The SQLite statements
 * are the ones the embedded default has always run (so existing files stay untouched); the
 * PostgreSQL ones create the same tables in its own types (jsonb, timestamptz, boolean, serial).
 */
export abstract class DialectMigration extends Migration {
  protected abstract sqlite(): string[];
  protected abstract postgresql(): string[];

  override up(): void {
    for (const sql of this.dialect() === 'postgresql' ? this.postgresql() : this.sqlite())
      this.addSql(sql);
  }

  protected dialect(): Dialect {
    return dialectOfLocation(this.config.get('clientUrl') ?? '');
  }
}
