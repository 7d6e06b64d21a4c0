import { Migration } from '@mikro-orm/migrations';

/**
 * The registry of built vector indexes, one per (knowledge base content hash, embedding model). The
 * vectors live in sqlite-vec tables created when an index is built (their dimensions vary by model).
 * Also the model-graded metrics of each sample.
 */
export class Migration20261203120000_vector_indexes extends Migration {
  override async up(): Promise<void> {
    const schema = () => this.getKnex().schema;
    this.addSql(
      schema()
        .createTable('vector_indexes', (t) => {
          t.increments('id').primary();
          t.text('knowledge_base_hash').notNullable();
          t.text('embedding_model').notNullable();
          t.integer('dimensions').notNullable();
          t.integer('passage_count').notNullable();
          t.datetime('created_at').notNullable();
        })
        .toQuery(),
    );
    // A statement of its own: SQLite runs only the first statement of a multi-statement string.
    this.addSql(
      schema()
        .alterTable('vector_indexes', (t) => {
          t.unique(['knowledge_base_hash', 'embedding_model'], {
            indexName: 'vector_indexes_version_unique',
          });
        })
        .toQuery(),
    );
    // Model-graded metrics of each sample (semantic similarity, …), where the experiment asks for them.
    this.addSql(
      schema()
        .alterTable('sample_results', (t) => {
          t.json('model_metrics').nullable();
        })
        .toQuery(),
    );
  }

  override async down(): Promise<void> {
    this.addSql(this.getKnex().schema.dropTableIfExists('vector_indexes').toQuery());
  }
}
