import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/knex';
import type { Database } from '../db/orm.ts';
import { ImportedDataset } from '../db/entities/imported-dataset.entity.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import {
  createImportedDataset,
  examplesHash,
  inferDatasetKind,
  isDatasetKind,
  parseImportedExamples,
} from '../engine/datasets/import.ts';
import { DATASET_KINDS, type DatasetKind, type Example } from '../engine/types.ts';
import { refuseNul } from '../engine/experiment-config.ts';
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
  /** GENERAL, MATH, MULTI_HOP, KNOWLEDGE or AGENT; inferred from the records when absent. */
  kind?: string | null;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const DESCRIPTION_LENGTH = 10_000;

/**
 * Validates an uploaded dataset, stores it and registers it, so experiments can run on it at once
 * (and the simulated provider knows its answers). Nothing is stored when anything is wrong.
 */
export async function importDataset(
  em: EntityManager,
  registry: DatasetRegistry,
  input: ImportDatasetInput,
): Promise<Dataset> {
  const name = datasetName(input.name);
  if (input.description) refuseNul(input.description, 'description');
  if ((input.description?.length ?? 0) > DESCRIPTION_LENGTH) {
    throw new ValidationError('description', `must be at most ${DESCRIPTION_LENGTH} characters`);
  }
  const format = input.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format))
    throw new ValidationError('format', `must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (input.kind != null && !isDatasetKind(input.kind))
    throw new ValidationError('kind', `must be one of ${DATASET_KINDS.join(', ')}`);
  refuseTakenName(registry, name);
  const examples = parseImportedExamples(format, input.content);
  const description = input.description?.trim() || null;
  const kind: DatasetKind =
    (input.kind as DatasetKind | null | undefined) ?? inferDatasetKind(examples);
  return storeDataset(em, registry, { name, description, format, kind, examples });
}

/** A valid dataset name (trimmed), else BAD_USER_INPUT on `field`. */
export function datasetName(raw: string, field = 'name'): string {
  const name = raw.trim();
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(
      field,
      'must be 1..100 letters, digits, "_", "-" or ".", starting with a letter or digit',
    );
  }
  return name;
}

/** CONFLICT when a dataset of that name is registered. */
export function refuseTakenName(registry: DatasetRegistry, name: string): void {
  if (registry.get(name))
    throw new ConflictError(
      `a dataset named "${name}" already exists; datasets are immutable, import under a new name`,
    );
}

/** Stores validated examples as an imported dataset and registers it (CONFLICT if the name was taken meanwhile). */
export async function storeDataset(
  em: EntityManager,
  registry: DatasetRegistry,
  input: {
    name: string;
    description: string | null;
    format: string;
    kind: DatasetKind;
    examples: Example[];
  },
): Promise<Dataset> {
  const { name, description, format, kind, examples } = input;
  const contentHash = examplesHash(examples);
  em.create(ImportedDataset, {
    name,
    description,
    format,
    kind,
    size: examples.length,
    contentHash,
    examples,
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException)
      throw new ConflictError(`a dataset named "${name}" already exists`);
    throw error;
  }
  const dataset = createImportedDataset(name, description, kind, examples, contentHash);
  registry.register(dataset);
  return dataset;
}

/**
 * Registers every stored import at start-up. One already registered with the same content is skipped
 * without loading its examples (the engine thread calls this before each attempt, to catch up with
 * imports made through the API since it started).
 */
export async function registerImportedDatasets(
  orm: Database,
  registry: DatasetRegistry,
  logger: Logger,
): Promise<number> {
  const em = orm.em.fork();
  const stored = (await em.find(ImportedDataset, {}, { orderBy: { id: 'asc' } })).filter(
    (row) => registry.get(row.name)?.contentHash !== row.contentHash,
  );
  await em.populate(stored, ['examples']);
  let registered = 0;
  for (const row of stored) {
    const existing = registry.get(row.name);
    if (existing) {
      logger.error('imported dataset shadowed by another dataset of the same name', {
        name: row.name,
      });
      continue;
    }
    const kind = isDatasetKind(row.kind) ? row.kind : inferDatasetKind(row.examples);
    registry.register(
      createImportedDataset(row.name, row.description, kind, row.examples, row.contentHash),
    );
    registered += 1;
  }
  return registered;
}
