import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generationReferenceMarkdown } from '../../server/engine/generation-reference.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the generateDataset reference', () => {
  it('should be exactly the README table, so the manual cannot drift from LIMITS and DEFAULTS', () => {
    const start = README.indexOf('| argument | default |');
    expect(start).toBeGreaterThan(-1);
    expect(README.slice(start, README.indexOf('\n\n', start))).toBe(generationReferenceMarkdown());
  });
});
