import { DialectMigration } from './dialect-migration.ts';

/** Remembers whether an attempt was started with a per-run API key (never the key), so a resume without it fails clearly. */
export class Migration20261128040000_attempt_run_key extends DialectMigration {
  protected sqlite(): string[] {
    return ['alter table `attempts` add column `run_key` integer not null default false'];
  }

  protected postgresql(): string[] {
    return ['alter table "attempts" add column "run_key" boolean not null default false'];
  }

  override down(): void {
    this.addSql('alter table attempts drop column run_key');
  }
}
