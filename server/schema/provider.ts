import {
  describeProviders,
  type EndpointInfo,
  type ProviderInfo,
} from '../engine/providers/catalog.ts';
import { builder } from './builder.ts';
import { ProviderKindEnum } from './enums.ts';

const EndpointRef = builder.objectRef<EndpointInfo>('ProviderEndpoint').implement({
  description:
    'An OpenAI-compatible server named in the server configuration. Its key is never revealed.',
  fields: (t) => ({
    name: t.exposeString('name'),
    baseUrl: t.exposeString('baseUrl', {
      description: 'Use it as config.provider.baseUrl to run against this endpoint with its key',
    }),
    hasKey: t.exposeBoolean('hasKey', {
      description: 'Whether the configuration holds a key for it',
    }),
  }),
});

const ProviderRef = builder.objectRef<ProviderInfo>('Provider').implement({
  description: 'A kind of provider and whether this server can use it. Never reveals a secret.',
  fields: (t) => ({
    kind: t.field({ type: ProviderKindEnum, resolve: (p) => p.kind }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    available: t.exposeBoolean('available', { description: 'Implemented in this build' }),
    configured: t.exposeBoolean('configured', {
      description:
        'Set up on this server: HF_TOKEN present (HUGGINGFACE), at least one named endpoint (OPENAI_COMPATIBLE)',
    }),
    models: t.exposeStringList('models', { description: 'Suggested model names' }),
    endpoints: t.field({
      type: [EndpointRef],
      description: 'Named endpoints (OPENAI_COMPATIBLE)',
      resolve: (p) => p.endpoints,
    }),
  }),
});

builder.queryFields((t) => ({
  providers: t.field({
    type: [ProviderRef],
    resolve: (_root, _args, ctx) => describeProviders(ctx.providerCredentials),
  }),
  models: t.stringList({
    description: 'Suggested model names across providers',
    resolve: (_root, _args, ctx) => [
      ...new Set(describeProviders(ctx.providerCredentials).flatMap((p) => p.models)),
    ],
  }),
}));
