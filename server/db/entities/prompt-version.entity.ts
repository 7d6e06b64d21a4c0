import { EntitySchema, type Opt } from '@mikro-orm/core';

/** One immutable version of a named prompt template. Versions of a name count 1, 2, 3, … */
export class PromptVersion {
  id!: number;
  name!: string;
  version!: number;
  template!: string;
  description: string | null = null;
  createdAt: Date & Opt = new Date();
}

export const PromptVersionSchema = new EntitySchema<PromptVersion>({
  class: PromptVersion,
  tableName: 'prompt_versions',
  uniques: [{ properties: ['name', 'version'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    name: { type: 'string', length: 255 },
    version: { type: 'integer' },
    template: { type: 'text' },
    description: { type: 'text', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
