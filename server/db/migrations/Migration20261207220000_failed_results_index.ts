import { DialectMigration } from './dialect-migration.ts';

/**
 * The failed results of each attempt, indexed apart: an ended attempt's progress counts its results
 * and failures, and with this index both counts read indexes only instead of every stored result.
 */
export class Migration20261207220000_failed_results_index extends DialectMigration {
  protected sqlite(): string[] {
    return [FAILED_RESULTS_INDEX];
  }

  protected postgresql(): string[] {
    return [FAILED_RESULTS_INDEX];
  }

  override down(): void {
    this.addSql('drop index "sample_results_failed_index"');
  }
}

export const FAILED_RESULTS_INDEX =
  'create index "sample_results_failed_index" on "sample_results" ("attempt_id") where "error" is not null';
