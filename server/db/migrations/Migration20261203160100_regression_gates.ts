import { DialectMigration } from './dialect-migration.ts';

/** Regression gates: the pinned baseline of each lineage, and the last regression report stored with a candidate attempt. */
export class Migration20261203160100_regression_gates extends DialectMigration {
  protected sqlite(): string[] {
    // SQLite indexes the foreign key column, as MikroORM's schema for it expects.
    return [
      ...this.common(),
      this.getKnex()
        .schema.alterTable(
          'baseline_pins',
          (t) => void t.index(['experiment_id'], 'baseline_pins_experiment_id_index'),
        )
        .toQuery(),
    ];
  }

  protected postgresql(): string[] {
    return this.common();
  }

  private common(): string[] {
    const schema = () => this.getKnex().schema;
    return [
      schema()
        .createTable('baseline_pins', (t) => {
          t.string('lineage', 64).notNullable().primary();
          t.string('experiment_id', 36).notNullable();
          t.foreign('experiment_id', 'baseline_pins_experiment_id_foreign')
            .references('id')
            .inTable('experiments')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.datetime('created_at').notNullable();
        })
        .toQuery(),
      schema()
        .alterTable('attempts', (t) => void t.json('regression').nullable())
        .toQuery(),
    ];
  }

  override down(): void {
    this.addSql(this.getKnex().schema.dropTableIfExists('baseline_pins').toQuery());
  }
}
