import { UniqueConstraintViolationException, type EntityManager, type MikroORM } from '@mikro-orm/sqlite';
import { ImportedDataset } from '../db/entities/imported-dataset.entity.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import { refuseNul } from '../engine/config.ts';
import { createImportedDataset, examplesHash, parseImportedExamples } from '../engine/datasets/import.ts';
import { IMPORT_FORMATS, type ImportFormat } from '../engine/datasets/import-formats.ts';
import type { DatasetRegistry } from '../engine/datasets/registry.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface ImportDatasetInput {
  name: string;
  format: string;
  /** The file's text (pasted, or read from an upload). */
  content: string;
  description?: string | null;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const DESCRIPTION_LENGTH = 10_000;

/**
 * Validates an uploaded dataset, stores it and registers it, so experiments can run on it at once
 * (and the simulated provider knows its answers). Nothing is stored when anything is wrong.
 */
export async function importDataset(em: EntityManager, registry: DatasetRegistry, input: ImportDatasetInput): Promise<Dataset> {
  const name = input.name.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError('name', 'must be 1..100 letters, digits, "_", "-" or ".", starting with a letter or digit');
  }
  if (input.description) refuseNul(input.description, 'description');
  if ((input.description?.length ?? 0) > DESCRIPTION_LENGTH) {
    throw new ValidationError('description', `must be at most ${DESCRIPTION_LENGTH} characters`);
  }
  const format = input.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format)) throw new ValidationError('format', `must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (registry.get(name)) throw new ConflictError(`a dataset named "${name}" already exists; datasets are immutable, import under a new name`);
  const examples = parseImportedExamples(format, input.content);
  const contentHash = examplesHash(examples);
  const description = input.description?.trim() || null;
  em.create(ImportedDataset, { name, description, format, size: examples.length, contentHash, examples });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new ConflictError(`a dataset named "${name}" already exists`);
    throw error;
  }
  const dataset = createImportedDataset(name, description, examples, contentHash);
  registry.register(dataset);
  return dataset;
}

/** Registers every stored import at start-up. One already registered with the same content is skipped. */
export async function registerImportedDatasets(orm: MikroORM, registry: DatasetRegistry, logger: Logger): Promise<number> {
  const stored = await orm.em.fork().find(ImportedDataset, {}, { populate: ['examples'], orderBy: { id: 'asc' } });
  let registered = 0;
  for (const row of stored) {
    const existing = registry.get(row.name);
    if (existing?.contentHash === row.contentHash) continue;
    if (existing) {
      logger.error('imported dataset shadowed by another dataset of the same name', { name: row.name });
      continue;
    }
    registry.register(createImportedDataset(row.name, row.description, row.examples, row.contentHash));
    registered += 1;
  }
  return registered;
}
