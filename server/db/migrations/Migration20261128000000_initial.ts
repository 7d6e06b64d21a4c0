import { DialectMigration } from './dialect-migration.ts';

/** The first schema: experiments, their attempts, and one result per sample per attempt. */
export class Migration20261128000000_initial extends DialectMigration {
  protected sqlite(): string[] {
    return [
      "create table `experiments` (`id` text not null, `name` text not null, `description` text null, `config` json not null, `method` text not null, `model_name` text not null, `dataset_name` text not null, `status` text not null default 'PENDING', `error` text null, `current_attempt` integer not null default 0, `created_at` datetime not null, `updated_at` datetime not null, `started_at` datetime null, `completed_at` datetime null, primary key (`id`))",
      'create index `experiments_method_index` on `experiments` (`method`)',
      'create index `experiments_model_name_index` on `experiments` (`model_name`)',
      'create index `experiments_created_at_index` on `experiments` (`created_at`)',
      'create index `experiments_status_index` on `experiments` (`status`)',
      "create table `attempts` (`id` integer not null primary key autoincrement, `experiment_id` text not null, `number` integer not null, `status` text not null default 'QUEUED', `dataset_hash` text not null, `sample_indices` json not null, `total_samples` integer not null, `wall_time_ms` double not null default 0, `metrics` json null, `profile` json null, `error` text null, `created_at` datetime not null, `started_at` datetime null, `completed_at` datetime null, constraint `attempts_experiment_id_foreign` foreign key(`experiment_id`) references `experiments`(`id`) on delete cascade on update cascade)",
      'create index `attempts_experiment_id_index` on `attempts` (`experiment_id`)',
      'create index `attempts_status_index` on `attempts` (`status`)',
      'create unique index `attempts_experiment_id_number_unique` on `attempts` (`experiment_id`, `number`)',
      'create table `sample_results` (`id` integer not null primary key autoincrement, `attempt_id` integer not null, `sample_index` integer not null, `example_id` text not null, `question` text not null, `expected_answer` text not null, `prompt` text not null, `raw_output` text null, `parsed_answer` text null, `exact_match` integer not null default false, `substring_match` integer not null default false, `correct` integer not null default false, `f1` double not null default 0, `matched_alias` text null, `tokens_input` integer not null default 0, `tokens_output` integer not null default 0, `latency_ms` double not null default 0, `timings` json null, `cache_hit` integer not null default false, `cache_tier` text null, `error` text null, `retries` integer not null default 0, `trace` json null, `created_at` datetime not null, constraint `sample_results_attempt_id_foreign` foreign key(`attempt_id`) references `attempts`(`id`) on delete cascade on update cascade)',
      'create index `sample_results_attempt_id_index` on `sample_results` (`attempt_id`)',
      'create unique index `sample_results_attempt_id_sample_index_unique` on `sample_results` (`attempt_id`, `sample_index`)',
    ];
  }

  protected postgresql(): string[] {
    return [
      `create table "experiments" ("id" varchar(36) not null, "name" varchar(255) not null, "description" text null, "config" json not null, "method" varchar(16) not null, "model_name" varchar(255) not null, "dataset_name" varchar(255) not null, "status" varchar(16) not null default 'PENDING', "error" text null, "current_attempt" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null, constraint "experiments_pkey" primary key ("id"))`,
      'create index "experiments_method_index" on "experiments" ("method")',
      'create index "experiments_model_name_index" on "experiments" ("model_name")',
      'create index "experiments_created_at_index" on "experiments" ("created_at")',
      'create index "experiments_status_index" on "experiments" ("status")',
      `create table "attempts" ("id" serial primary key, "experiment_id" varchar(36) not null, "number" int not null, "status" varchar(16) not null default 'QUEUED', "dataset_hash" varchar(64) not null, "sample_indices" json not null, "total_samples" int not null, "wall_time_ms" double precision not null default 0, "metrics" json null, "profile" json null, "error" text null, "created_at" timestamptz not null, "started_at" timestamptz null, "completed_at" timestamptz null)`,
      'create index "attempts_status_index" on "attempts" ("status")',
      'alter table "attempts" add constraint "attempts_experiment_id_number_unique" unique ("experiment_id", "number")',
      'alter table "attempts" add constraint "attempts_experiment_id_foreign" foreign key ("experiment_id") references "experiments" ("id") on update cascade on delete cascade',
      `create table "sample_results" ("id" serial primary key, "attempt_id" int not null, "sample_index" int not null, "example_id" varchar(255) not null, "question" text not null, "expected_answer" text not null, "prompt" text not null, "raw_output" text null, "parsed_answer" text null, "exact_match" boolean not null default false, "substring_match" boolean not null default false, "correct" boolean not null default false, "f1" double precision not null default 0, "matched_alias" text null, "tokens_input" int not null default 0, "tokens_output" int not null default 0, "latency_ms" double precision not null default 0, "timings" json null, "cache_hit" boolean not null default false, "cache_tier" varchar(16) null, "error" text null, "retries" int not null default 0, "trace" json null, "created_at" timestamptz not null)`,
      'alter table "sample_results" add constraint "sample_results_attempt_id_sample_index_unique" unique ("attempt_id", "sample_index")',
      'alter table "sample_results" add constraint "sample_results_attempt_id_foreign" foreign key ("attempt_id") references "attempts" ("id") on update cascade on delete cascade',
    ];
  }

  override down(): void {
    this.addSql('drop table if exists sample_results;');
    this.addSql('drop table if exists attempts;');
    this.addSql('drop table if exists experiments;');
  }
}
