import type { Dataset } from '../engine/datasets/dataset.ts';
import { IMPORT_FORMATS } from '../engine/datasets/import-formats.ts';
import { ValidationError } from '../errors.ts';
import { importDataset } from '../experiments/dataset-imports.ts';
import { DATASET_KINDS } from '../engine/types.ts';
import { builder } from './builder.ts';

export const DatasetKindEnum = builder.enumType('DatasetKind', {
  description:
    'What a dataset measures. The simulated provider and the documented method contrasts follow it: COT helps MATH, ' +
    'RAG helps KNOWLEDGE, REACT helps MULTI_HOP and AGENT.',
  values: DATASET_KINDS,
});

export const DatasetRef = builder.objectRef<Dataset>('Dataset').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.field({ type: DatasetKindEnum, resolve: (d) => d.kind }),
    description: t.exposeString('description'),
    source: t.exposeString('source', { description: 'builtin, generated or imported' }),
    size: t.exposeInt('size', { description: 'Number of examples' }),
    contentHash: t.exposeString('contentHash', { description: 'SHA-256 of the content' }),
  }),
});

builder.queryFields((t) => ({
  datasets: t.field({
    type: [DatasetRef],
    description: 'Every dataset an experiment can run on, by name',
    resolve: (_root, _args, ctx) => ctx.datasets.list(),
  }),
}));

const DatasetFormatEnum = builder.enumType('DatasetFormat', {
  description:
    'JSON: an array of records. JSONL: one record per line. CSV: a header row id,question,answer[,aliases].',
  values: IMPORT_FORMATS,
});

const ImportDatasetInput = builder.inputType('ImportDatasetInput', {
  fields: (t) => ({
    name: t.string({
      required: true,
      description: '1..100 letters, digits, "_", "-", "."; unique among all datasets',
    }),
    format: t.field({ type: DatasetFormatEnum, required: true }),
    content: t.string({ description: 'The file as text (give this or `file`)' }),
    file: t.field({
      type: 'File',
      description: 'The file as an upload, in a GraphQL multipart request (give this or `content`)',
    }),
    description: t.string({ description: 'At most 10 000 characters' }),
    kind: t.field({
      type: DatasetKindEnum,
      description:
        'Default: inferred from the records (tool steps → AGENT; context/passage/article_id → KNOWLEDGE; hops/supporting_facts → ' +
        'MULTI_HOP; solutions or ≥ 80 % numeric answers → MATH; else GENERAL)',
    }),
  }),
});

builder.mutationFields((t) => ({
  importDataset: t.field({
    type: DatasetRef,
    description:
      'Registers a dataset of {id, question, answer, aliases?} records; every other field of a record is kept as its metadata. Problems are BAD_USER_INPUT with the line ' +
      '(extensions.line); duplicate ids are refused; a name already taken is a CONFLICT; nothing is stored on error.',
    args: { input: t.arg({ type: ImportDatasetInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      if ((input.content == null) === (input.file == null))
        throw new ValidationError('content', 'give either content or file');
      const content = input.content ?? (await (input.file as File).text());
      return importDataset(ctx.em, ctx.datasets, { ...input, content });
    },
  }),
}));
