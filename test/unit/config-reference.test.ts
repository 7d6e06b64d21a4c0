import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReference, configReferenceMarkdown } from '../../server/engine/config-reference.ts';
import { DEFAULTS, LIMITS } from '../../server/engine/experiment-config.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of a Markdown table as trimmed cells, the header's separator row left out (padding does not matter). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** The README's experiment-configuration table, from its header row to the first blank line. */
function readmeTable(): string {
  const start = README.indexOf('| field');
  expect(start).toBeGreaterThan(-1);
  return README.slice(start, README.indexOf('\n\n', start));
}

describe('the experiment configuration reference', () => {
  it('should be exactly the README table, so the manual cannot drift from LIMITS and DEFAULTS', () => {
    expect(tableRows(readmeTable())).toEqual(tableRows(configReferenceMarkdown()));
    expect(tableRows(readmeTable())).toHaveLength(configReference().length + 1);
  });

  it('should be built from LIMITS and DEFAULTS', () => {
    const rows = new Map(configReference().map((row) => [row.field, row]));
    expect(rows.get('`config.optimization.batchSize`')).toEqual({
      field: '`config.optimization.batchSize`',
      default: String(DEFAULTS.optimization.batchSize),
      limits: `${LIMITS.batchSize.min}..${LIMITS.batchSize.max}: the most API calls in flight at once`,
    });
    expect(rows.get('`config.numSamples`')?.limits).toBe(
      '1..100 000; capped at the dataset size; a seeded sample',
    );
    expect(rows.get('`config.hyperparameters`')?.limits).toContain('topP (0, 1]');
  });
});
