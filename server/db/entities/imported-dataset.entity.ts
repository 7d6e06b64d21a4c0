import { EntitySchema, type Opt } from '@mikro-orm/core';
import type { Example } from '../../engine/types.ts';

/** A dataset uploaded through `importDataset`. Immutable once stored: a changed file is a new name. */
export class ImportedDataset {
  id!: number;
  name!: string;
  description: string | null = null;
  /** The format it was uploaded in: JSON, JSONL or CSV. */
  format!: string;
  /** GENERAL, MATH, MULTI_HOP, KNOWLEDGE or AGENT: given on import or inferred from the records. */
  kind: string & Opt = 'GENERAL';
  size!: number;
  /** SHA-256 of the canonical JSON of the examples (see examplesHash). */
  contentHash!: string;
  /** The validated records {id, question, answer, aliases}, in file order. */
  examples!: Example[];
  createdAt: Date & Opt = new Date();
}

export const ImportedDatasetSchema = new EntitySchema<ImportedDataset>({
  class: ImportedDataset,
  tableName: 'imported_datasets',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    name: { type: 'string', length: 255, unique: true },
    description: { type: 'text', nullable: true },
    format: { type: 'string', length: 8 },
    kind: { type: 'string', length: 16, default: 'GENERAL' },
    size: { type: 'integer' },
    contentHash: { type: 'string', length: 64 },
    examples: { type: 'json', columnType: 'json', lazy: true },
    createdAt: { type: 'datetime' },
  },
});
