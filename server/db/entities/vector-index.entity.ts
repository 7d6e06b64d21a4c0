import { EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * One built vector index: the passage vectors of a knowledge base (by content hash) under one
 * embedding model. The vectors themselves sit in a sqlite-vec table named after the id.
 */
export class VectorIndexRecord {
  id!: number;
  knowledgeBaseHash!: string;
  /** `<endpoint>:<model>` of the embedding model. */
  embeddingModel!: string;
  dimensions!: number;
  passageCount!: number;
  createdAt: Date & Opt = new Date();
}

export const VectorIndexRecordSchema = new EntitySchema<VectorIndexRecord>({
  class: VectorIndexRecord,
  tableName: 'vector_indexes',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    knowledgeBaseHash: { type: 'text' },
    embeddingModel: { type: 'text' },
    dimensions: { type: 'integer' },
    passageCount: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
  uniques: [
    { name: 'vector_indexes_version_unique', properties: ['knowledgeBaseHash', 'embeddingModel'] },
  ],
});
