import type { Dataset } from '../engine/datasets/dataset.ts';
import { builder } from './builder.ts';

const DatasetRef = builder.objectRef<Dataset>('Dataset').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
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
