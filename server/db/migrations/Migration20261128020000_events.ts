import { Migration } from '@mikro-orm/migrations';

/** The per-experiment event log that subscriptions replay from. */
export class Migration20261128020000_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table `experiment_events` (`id` integer not null primary key autoincrement, `experiment_id` text not null, `seq` integer not null, `attempt` integer not null, `type` text not null, `payload` json not null, `created_at` datetime not null, constraint `experiment_events_experiment_id_foreign` foreign key(`experiment_id`) references `experiments`(`id`) on delete cascade on update cascade)',
    );
    this.addSql('create index `experiment_events_experiment_id_index` on `experiment_events` (`experiment_id`)');
    this.addSql(
      'create unique index `experiment_events_experiment_id_seq_unique` on `experiment_events` (`experiment_id`, `seq`)',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `experiment_events`');
  }
}
