import { PROVIDER_CATALOG, type ProviderInfo } from '../engine/providers/catalog.ts';
import { builder } from './builder.ts';
import { ProviderKindEnum } from './enums.ts';

const ProviderRef = builder.objectRef<ProviderInfo>('Provider').implement({
  description: 'A kind of provider and whether this server can use it. Never reveals a secret.',
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, resolve: (p) => p.kind }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    available: t.exposeBoolean('available', { description: 'Implemented in this build' }),
    configured: t.boolean({ description: 'Ready to use: available, and any key it needs is set', resolve: (p) => p.configured() }),
    models: t.exposeStringList('models', { description: 'Suggested model names' }),
  }),
});

builder.queryFields((t) => ({
  providers: t.field({ type: [ProviderRef], resolve: () => PROVIDER_CATALOG }),
  models: t.stringList({
    description: 'Suggested model names across providers',
    resolve: () => [...new Set(PROVIDER_CATALOG.flatMap((p) => p.models))],
  }),
}));
