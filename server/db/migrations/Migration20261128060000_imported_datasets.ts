import { DialectMigration } from './dialect-migration.ts';

/** Datasets uploaded through importDataset: validated records, stored once, unique by name. */
export class Migration20261128060000_imported_datasets extends DialectMigration {
  protected sqlite(): string[] {
    return [
      'create table `imported_datasets` (`id` integer not null primary key autoincrement, `name` text not null, `description` text null, `format` text not null, `size` integer not null, `content_hash` text not null, `examples` json not null, `created_at` datetime not null)',
      'create unique index `imported_datasets_name_unique` on `imported_datasets` (`name`)',
    ];
  }

  protected postgresql(): string[] {
    return [
      'create table "imported_datasets" ("id" serial primary key, "name" varchar(255) not null, "description" text null, "format" varchar(8) not null, "size" int not null, "content_hash" varchar(64) not null, "examples" json not null, "created_at" timestamptz not null)',
      'alter table "imported_datasets" add constraint "imported_datasets_name_unique" unique ("name")',
    ];
  }

  override down(): void {
    this.addSql('drop table if exists imported_datasets');
  }
}
