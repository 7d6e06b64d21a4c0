import { Migration } from '@mikro-orm/migrations';

/**
 * Datasets and knowledge bases as data: a dataset's declared kind, the extra fields of each sample's
 * record, and uploaded knowledge bases. Written with the knex schema builder so it runs on any dialect.
 */
export class Migration20261203110000_datasets_as_data extends Migration {
  override async up(): Promise<void> {
    const schema = () => this.getKnex().schema;
    this.addSql(schema().alterTable('imported_datasets', (t) => {
      t.text('kind').notNullable().defaultTo('GENERAL');
    }).toQuery());
    this.addSql(schema().alterTable('sample_results', (t) => {
      t.json('metadata').nullable();
    }).toQuery());
    this.addSql(schema().createTable('knowledge_bases', (t) => {
      t.increments('id').primary();
      t.text('name').notNullable();
      t.text('description').nullable();
      t.text('format').notNullable();
      t.integer('chunk_size').notNullable();
      t.integer('chunk_overlap').notNullable();
      t.integer('document_count').notNullable();
      t.integer('chunk_count').notNullable();
      t.integer('size_chars').notNullable();
      t.text('content_hash').notNullable();
      t.json('documents').notNullable();
      t.datetime('created_at').notNullable();
    }).toQuery());
    // A statement of its own: SQLite runs only the first statement of a multi-statement string.
    this.addSql(schema().alterTable('knowledge_bases', (t) => {
      t.unique(['name'], { indexName: 'knowledge_bases_name_unique' });
    }).toQuery());
  }

  override async down(): Promise<void> {
    this.addSql(this.getKnex().schema.dropTableIfExists('knowledge_bases').toQuery());
  }
}
