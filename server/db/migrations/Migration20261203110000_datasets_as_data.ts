import { DialectMigration } from './dialect-migration.ts';

/**
 * Datasets and knowledge bases as data: a dataset's declared kind, the extra fields of each sample's
 * record, and uploaded knowledge bases.
 */
export class Migration20261203110000_datasets_as_data extends DialectMigration {
  protected sqlite(): string[] {
    // SQLite runs only the first statement of a multi-statement string: one statement each.
    const schema = () => this.getKnex().schema;
    return [
      schema()
        .alterTable(
          'imported_datasets',
          (t) => void t.text('kind').notNullable().defaultTo('GENERAL'),
        )
        .toQuery(),
      schema()
        .alterTable('sample_results', (t) => void t.json('metadata').nullable())
        .toQuery(),
      schema()
        .createTable('knowledge_bases', (t) => {
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
        })
        .toQuery(),
      schema()
        .alterTable(
          'knowledge_bases',
          (t) => void t.unique(['name'], { indexName: 'knowledge_bases_name_unique' }),
        )
        .toQuery(),
    ];
  }

  protected postgresql(): string[] {
    return [
      `alter table "imported_datasets" add column "kind" varchar(16) not null default 'GENERAL'`,
      'alter table "sample_results" add column "metadata" json null',
      'create table "knowledge_bases" ("id" serial primary key, "name" varchar(255) not null, "description" text null, ' +
        '"format" varchar(8) not null, "chunk_size" int not null, "chunk_overlap" int not null, "document_count" int not null, ' +
        '"chunk_count" int not null, "size_chars" int not null, "content_hash" varchar(64) not null, "documents" json not null, ' +
        '"created_at" timestamptz not null)',
      'alter table "knowledge_bases" add constraint "knowledge_bases_name_unique" unique ("name")',
    ];
  }

  override down(): void {
    this.addSql('drop table if exists knowledge_bases');
  }
}
