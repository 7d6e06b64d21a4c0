import { buildApp } from './app.ts';
import { configFromEnv } from './config.ts';

const app = await buildApp(configFromEnv());
await app.start();

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
