import { Migration } from '@mikro-orm/migrations';

/** The first schema: experiments, their attempts, and one result per sample per attempt. */
export class Migration20261128000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql("create table `experiments` (`id` text not null, `name` text not null, `description` text null, `config` json not null, `method` text not null, `model_name` text not null, `dataset_name` text not null, `status` text not null default 'PENDING', `error` text null, `current_attempt` integer not null default 0, `created_at` datetime not null, `updated_at` datetime not null, `started_at` datetime null, `completed_at` datetime null, primary key (`id`))");
    this.addSql("create index `experiments_method_index` on `experiments` (`method`)");
    this.addSql("create index `experiments_model_name_index` on `experiments` (`model_name`)");
    this.addSql("create index `experiments_created_at_index` on `experiments` (`created_at`)");
    this.addSql("create index `experiments_status_index` on `experiments` (`status`)");
    this.addSql("create table `attempts` (`id` integer not null primary key autoincrement, `experiment_id` text not null, `number` integer not null, `status` text not null default 'QUEUED', `dataset_hash` text not null, `sample_indices` json not null, `total_samples` integer not null, `wall_time_ms` double not null default 0, `metrics` json null, `profile` json null, `error` text null, `created_at` datetime not null, `started_at` datetime null, `completed_at` datetime null, constraint `attempts_experiment_id_foreign` foreign key(`experiment_id`) references `experiments`(`id`) on delete cascade on update cascade)");
    this.addSql("create index `attempts_experiment_id_index` on `attempts` (`experiment_id`)");
    this.addSql("create index `attempts_status_index` on `attempts` (`status`)");
    this.addSql("create unique index `attempts_experiment_id_number_unique` on `attempts` (`experiment_id`, `number`)");
    this.addSql("create table `sample_results` (`id` integer not null primary key autoincrement, `attempt_id` integer not null, `sample_index` integer not null, `example_id` text not null, `question` text not null, `expected_answer` text not null, `prompt` text not null, `raw_output` text null, `parsed_answer` text null, `exact_match` integer not null default false, `substring_match` integer not null default false, `correct` integer not null default false, `f1` double not null default 0, `matched_alias` text null, `tokens_input` integer not null default 0, `tokens_output` integer not null default 0, `latency_ms` double not null default 0, `timings` json null, `cache_hit` integer not null default false, `cache_tier` text null, `error` text null, `retries` integer not null default 0, `trace` json null, `created_at` datetime not null, constraint `sample_results_attempt_id_foreign` foreign key(`attempt_id`) references `attempts`(`id`) on delete cascade on update cascade)");
    this.addSql("create index `sample_results_attempt_id_index` on `sample_results` (`attempt_id`)");
    this.addSql("create unique index `sample_results_attempt_id_sample_index_unique` on `sample_results` (`attempt_id`, `sample_index`)");
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists `sample_results`;');
    this.addSql('drop table if exists `attempts`;');
    this.addSql('drop table if exists `experiments`;');
  }
}
