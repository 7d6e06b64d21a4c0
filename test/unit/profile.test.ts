import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../server/engine/experiment-config.ts';
import { emptyProfile } from '../../server/engine/optimization-profile.ts';

describe('emptyProfile', () => {
  it('should show batching as the run will have it: off for REACT, with the reason', () => {
    const react = validateConfig(
      { reasoningMethod: 'REACT', optimization: { enableBatching: true, batchSize: 8 } },
      () => true,
    );
    expect(emptyProfile(react).batchStats).toEqual({
      enabled: false,
      batchSize: 1,
      batchesProcessed: 0,
      totalPromptsBatched: 0,
      peakConcurrency: 0,
      meanConcurrency: 0,
      disabledReason:
        'REACT runs one sample at a time: each agent step depends on the previous one',
    });
  });

  it('should show the batch size and the memory tier bound of a batched, cached NAIVE run', () => {
    const naive = validateConfig(
      {
        optimization: { enableBatching: true, batchSize: 8, enableCaching: true, cacheMaxSize: 64 },
      },
      () => true,
    );
    const profile = emptyProfile(naive);
    expect(profile.batchStats).toMatchObject({ enabled: true, batchSize: 8, disabledReason: null });
    expect(profile.cacheStats).toMatchObject({ enabled: true, maxSize: 64, persistentHits: 0 });
  });
});
