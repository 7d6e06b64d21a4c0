import { DialectMigration } from './dialect-migration.ts';

/** The last judgeExperiment report of each attempt (judge, sampled results, scores, aggregate). */
export class Migration20261203170000_judge_runs extends DialectMigration {
  protected sqlite(): string[] {
    return this.common();
  }

  protected postgresql(): string[] {
    return this.common();
  }

  private common(): string[] {
    return [
      this.getKnex()
        .schema.alterTable('attempts', (t) => void t.json('judge_run').nullable())
        .toQuery(),
    ];
  }

  override down(): void {
    this.addSql(
      this.getKnex()
        .schema.alterTable('attempts', (t) => void t.dropColumn('judge_run'))
        .toQuery(),
    );
  }
}
