import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128000000_initial } from './Migration20261128000000_initial.ts';
import { Migration20261128020000_events } from './Migration20261128020000_events.ts';
import { Migration20261128040000_attempt_run_key } from './Migration20261128040000_attempt_run_key.ts';
import { Migration20261128060000_imported_datasets } from './Migration20261128060000_imported_datasets.ts';
import { Migration20261128075000_response_cache } from './Migration20261128075000_response_cache.ts';
import { Migration20261203110000_datasets_as_data } from './Migration20261203110000_datasets_as_data.ts';
import { Migration20261203120000_vector_indexes } from './Migration20261203120000_vector_indexes.ts';
import { Migration20261203160000_prompts_graders_manifests } from './Migration20261203160000_prompts_graders_manifests.ts';
import { Migration20261203160100_regression_gates } from './Migration20261203160100_regression_gates.ts';
import { Migration20261203170000_judge_runs } from './Migration20261203170000_judge_runs.ts';
import { Migration20261207220000_failed_results_index } from './Migration20261207220000_failed_results_index.ts';

/**
 * Every migration, oldest first. Listed explicitly (not discovered on disk) so they run the same under
 * tsx, vitest and any bundler. To change the schema: edit the entities, add a migration here, and the
 * schema-drift test checks that the two agree.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
  { name: 'Migration20261128020000_events', class: Migration20261128020000_events },
  {
    name: 'Migration20261128040000_attempt_run_key',
    class: Migration20261128040000_attempt_run_key,
  },
  {
    name: 'Migration20261128060000_imported_datasets',
    class: Migration20261128060000_imported_datasets,
  },
  { name: 'Migration20261128075000_response_cache', class: Migration20261128075000_response_cache },
  {
    name: 'Migration20261203110000_datasets_as_data',
    class: Migration20261203110000_datasets_as_data,
  },
  { name: 'Migration20261203120000_vector_indexes', class: Migration20261203120000_vector_indexes },
  {
    name: 'Migration20261203160000_prompts_graders_manifests',
    class: Migration20261203160000_prompts_graders_manifests,
  },
  {
    name: 'Migration20261203160100_regression_gates',
    class: Migration20261203160100_regression_gates,
  },
  { name: 'Migration20261203170000_judge_runs', class: Migration20261203170000_judge_runs },
  {
    name: 'Migration20261207220000_failed_results_index',
    class: Migration20261207220000_failed_results_index,
  },
];
