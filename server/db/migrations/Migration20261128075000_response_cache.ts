import { Migration } from '@mikro-orm/migrations';

/** The persistent response-cache tier shared by all experiments, evicted least recently used first. */
export class Migration20261128075000_response_cache extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table `response_cache` (`key` text not null, `completion` json not null, `latency_ms` double not null, `created_at` datetime not null, `last_used_at` datetime not null, primary key (`key`))');
    this.addSql('create index `response_cache_last_used_at_index` on `response_cache` (`last_used_at`)');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `response_cache`');
  }
}
