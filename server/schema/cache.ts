import type { PersistentCacheSize } from '../experiments/persistent-cache.ts';
import { builder } from './builder.ts';

const ResponseCacheRef = builder.objectRef<PersistentCacheSize>('ResponseCache').implement({
  description: 'The persistent response-cache tier, shared by every experiment of this server.',
  fields: (t) => ({
    entries: t.exposeInt('entries', {
      description: 'Responses stored (including those not yet written to disk)',
    }),
    maxEntries: t.exposeInt('maxEntries', {
      description:
        'The bound (LLMFORGE_CACHE_MAX_ROWS); beyond it the least recently used entries are evicted',
    }),
  }),
});

const ClearCacheResultRef = builder
  .objectRef<{ entriesRemoved: number }>('ClearCacheResult')
  .implement({
    fields: (t) => ({ entriesRemoved: t.exposeInt('entriesRemoved') }),
  });

builder.queryFields((t) => ({
  responseCache: t.field({
    type: ResponseCacheRef,
    description: 'Size and bound of the persistent response-cache tier',
    resolve: (_root, _args, ctx) => ctx.responseCache.size(),
  }),
}));

builder.mutationFields((t) => ({
  clearCache: t.field({
    type: ClearCacheResultRef,
    description:
      'Empties the persistent response-cache tier, so the next run of any configuration calls the provider again. ' +
      'The memory tiers of experiments already running keep their entries until they end.',
    resolve: async (_root, _args, ctx) => ({ entriesRemoved: await ctx.responseCache.clear() }),
  }),
}));
