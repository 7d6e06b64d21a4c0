import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GQL_TADA = join(ROOT, 'node_modules/gql.tada/bin/cli.js');
const COMMITTED = join(ROOT, 'client/graphql-env.d.ts');

describe('client/graphql-env.d.ts', () => {
  it('should match schema.graphql (run `npm run schema` after changing the schema)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmforge-tada-'));
    try {
      const fresh = join(dir, 'graphql-env.d.ts');
      await promisify(execFile)(
        process.execPath,
        [GQL_TADA, 'generate-output', '--tsconfig', 'client/tsconfig.json', '--output', fresh],
        { cwd: ROOT },
      );
      expect(readFileSync(COMMITTED, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
