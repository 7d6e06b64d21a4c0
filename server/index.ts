import { setFlagsFromString } from 'node:v8';
import { buildApp } from './app.ts';
import { configFromEnv } from './server-config.ts';

// A run allocates fast and briefly; by default V8 lets the old generation grow to 4 × the live heap
// before collecting, so peak memory rose with the number of samples although the live heap (~40 MB)
// did not. Growing by 50 % at most keeps the peak memory of a long run flat for a few more, short, major GCs.
setFlagsFromString('--heap-growing-percent=50');

const app = await startOrExit();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.logger.info('shutting down', { signal });
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}

/** A server that cannot reach its database or Redis says so in one line and exits non-zero. */
async function startOrExit() {
  try {
    const built = await buildApp(configFromEnv());
    await built.start();
    return built;
  } catch (error) {
    console.error(
      `llmforge: cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}
