import { Migration } from '@mikro-orm/migrations';

/** Datasets uploaded through importDataset: validated records, stored once, unique by name. */
export class Migration20261128060000_imported_datasets extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table `imported_datasets` (`id` integer not null primary key autoincrement, `name` text not null, `description` text null, `format` text not null, `size` integer not null, `content_hash` text not null, `examples` json not null, `created_at` datetime not null)');
    this.addSql('create unique index `imported_datasets_name_unique` on `imported_datasets` (`name`)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `imported_datasets`');
  }
}
