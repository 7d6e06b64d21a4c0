import { DialectMigration } from './dialect-migration.ts';

/** The persistent response-cache tier shared by all experiments, evicted least recently used first. */
export class Migration20261128075000_response_cache extends DialectMigration {
  protected sqlite(): string[] {
    return [
      'create table `response_cache` (`key` text not null, `completion` json not null, `latency_ms` double not null, `created_at` datetime not null, `last_used_at` datetime not null, primary key (`key`))',
      'create index `response_cache_last_used_at_index` on `response_cache` (`last_used_at`)',
    ];
  }

  protected postgresql(): string[] {
    return [
      'create table "response_cache" ("key" varchar(64) not null, "completion" json not null, "latency_ms" double precision not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, constraint "response_cache_pkey" primary key ("key"))',
      'create index "response_cache_last_used_at_index" on "response_cache" ("last_used_at")',
    ];
  }

  override down(): void {
    this.addSql('drop table if exists response_cache');
  }
}
