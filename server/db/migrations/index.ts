import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261128000000_initial } from './Migration20261128000000_initial.ts';

/**
 * Every migration, oldest first. Listed explicitly (not discovered on disk) so they run the same under
 * tsx, vitest and any bundler. To change the schema: edit the entities, add a migration here, and the
 * schema-drift test checks that the two agree.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261128000000_initial', class: Migration20261128000000_initial },
];
