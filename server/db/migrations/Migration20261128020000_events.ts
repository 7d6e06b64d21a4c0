import { DialectMigration } from './dialect-migration.ts';

/** The per-experiment event log that subscriptions replay from. */
export class Migration20261128020000_events extends DialectMigration {
  protected sqlite(): string[] {
    return [
      'create table `experiment_events` (`id` integer not null primary key autoincrement, `experiment_id` text not null, `seq` integer not null, `attempt` integer not null, `type` text not null, `payload` json not null, `created_at` datetime not null, constraint `experiment_events_experiment_id_foreign` foreign key(`experiment_id`) references `experiments`(`id`) on delete cascade on update cascade)',
      'create index `experiment_events_experiment_id_index` on `experiment_events` (`experiment_id`)',
      'create unique index `experiment_events_experiment_id_seq_unique` on `experiment_events` (`experiment_id`, `seq`)',
    ];
  }

  protected postgresql(): string[] {
    return [
      'create table "experiment_events" ("id" serial primary key, "experiment_id" varchar(36) not null, "seq" int not null, "attempt" int not null, "type" varchar(32) not null, "payload" json not null, "created_at" timestamptz not null)',
      'alter table "experiment_events" add constraint "experiment_events_experiment_id_seq_unique" unique ("experiment_id", "seq")',
      'alter table "experiment_events" add constraint "experiment_events_experiment_id_foreign" foreign key ("experiment_id") references "experiments" ("id") on update cascade on delete cascade',
    ];
  }

  override down(): void {
    this.addSql('drop table if exists experiment_events');
  }
}
