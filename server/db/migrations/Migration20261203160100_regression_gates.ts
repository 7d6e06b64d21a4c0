import { Migration } from '@mikro-orm/migrations';

/** Regression gates: the pinned baseline of each lineage, and the last regression report stored with a candidate attempt. */
export class Migration20261203160100_regression_gates extends Migration {
  override async up(): Promise<void> {
    const schema = () => this.getKnex().schema;
    this.addSql(schema().createTable('baseline_pins', (t) => {
      t.string('lineage', 64).notNullable().primary();
      t.string('experiment_id', 36).notNullable();
      t.foreign('experiment_id', 'baseline_pins_experiment_id_foreign').references('id').inTable('experiments').onDelete('cascade').onUpdate('cascade');
      t.datetime('created_at').notNullable();
    }).toQuery());
    this.addSql(schema().alterTable('baseline_pins', (t) => {
      t.index(['experiment_id'], 'baseline_pins_experiment_id_index');
    }).toQuery());
    this.addSql(schema().alterTable('attempts', (t) => {
      t.json('regression').nullable();
    }).toQuery());
  }

  override async down(): Promise<void> {
    this.addSql(this.getKnex().schema.dropTableIfExists('baseline_pins').toQuery());
  }
}
