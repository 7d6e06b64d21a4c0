import { Migration } from '@mikro-orm/migrations';

/** Remembers whether an attempt was started with a per-run API key (never the key), so a resume without it fails clearly. */
export class Migration20261128040000_attempt_run_key extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table `attempts` add column `run_key` integer not null default false');
  }

  override async down(): Promise<void> {
    this.addSql('alter table `attempts` drop column `run_key`');
  }
}
