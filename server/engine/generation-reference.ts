import { MIN_CHUNK_WORDS } from './datasets/synthetic.ts';
import { DEFAULTS, describeRange, LIMITS } from './experiment-config.ts';

/** The README's table of generateDataset's arguments, built from {@link LIMITS} and {@link DEFAULTS}. */
export function generationReference(): { argument: string; default: string; limits: string }[] {
  const d = DEFAULTS.generation;
  return [
    {
      argument: '`knowledgeBase`',
      default: '—',
      limits: 'a name from the `knowledgeBases` query; unknown: `NOT_FOUND`',
    },
    {
      argument: '`pairsPerChunk`',
      default: String(d.pairsPerChunk),
      limits: `${describeRange(LIMITS.pairsPerChunk)} pairs asked of the generator per chunk`,
    },
    {
      argument: '`maxChunks`',
      default: String(d.maxChunks),
      limits: `${describeRange(LIMITS.maxChunks)}: a seeded sample of the chunks (all of them when the knowledge base has fewer); chunks under ${MIN_CHUNK_WORDS} words are left out`,
    },
    {
      argument: '`seed`',
      default: String(d.seed),
      limits: `${describeRange(LIMITS.seed)}: picks the chunks; sent to the generator`,
    },
    {
      argument: '`generator`',
      default: `SIMULATED \`${DEFAULTS.modelName}\``,
      limits:
        '`{ provider, model }`: any provider, with the fields of `config.provider`; `model` required unless SIMULATED',
    },
    {
      argument: '`name`',
      default: '`<knowledgeBase>-synthetic-s<seed>` (`-2`, `-3`… when taken)',
      limits:
        '1..100 letters, digits, `_`, `-`, `.`; a dataset of that name (or one a running generation will store): `CONFLICT`',
    },
  ];
}

/** The same table as Markdown, as the README must show it. */
export function generationReferenceMarkdown(): string {
  const rows = generationReference().map(
    (row) => `| ${row.argument} | ${row.default} | ${row.limits} |`,
  );
  return ['| argument | default | limits / meaning |', '|---|---|---|', ...rows].join('\n');
}
