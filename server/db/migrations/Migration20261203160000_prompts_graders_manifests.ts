import { Migration } from '@mikro-orm/migrations';

/**
 * Prompts as versioned data, per-sample grader results and failure modes, and the manifest each
 * attempt ran with. Written with the knex schema builder so it runs on any dialect.
 */
export class Migration20261203160000_prompts_graders_manifests extends Migration {
  override async up(): Promise<void> {
    const schema = () => this.getKnex().schema;
    this.addSql(
      schema()
        .createTable('prompt_versions', (t) => {
          t.increments('id').primary();
          t.string('name', 255).notNullable();
          t.integer('version').notNullable();
          t.text('template').notNullable();
          t.text('description').nullable();
          t.datetime('created_at').notNullable();
        })
        .toQuery(),
    );
    // A statement of its own: SQLite runs only the first statement of a multi-statement string.
    this.addSql(
      schema()
        .alterTable('prompt_versions', (t) => {
          t.unique(['name', 'version'], { indexName: 'prompt_versions_name_version_unique' });
        })
        .toQuery(),
    );
    this.addSql(
      schema()
        .alterTable('sample_results', (t) => {
          t.json('grades').nullable();
        })
        .toQuery(),
    );
    this.addSql(
      schema()
        .alterTable('sample_results', (t) => {
          t.string('failure_mode', 16).nullable();
        })
        .toQuery(),
    );
    this.addSql(
      schema()
        .alterTable('attempts', (t) => {
          t.json('manifest').nullable();
        })
        .toQuery(),
    );
    this.addSql(
      schema()
        .alterTable('attempts', (t) => {
          t.string('manifest_hash', 64).nullable();
        })
        .toQuery(),
    );
  }

  override async down(): Promise<void> {
    this.addSql(this.getKnex().schema.dropTableIfExists('prompt_versions').toQuery());
  }
}
