import { ValidationError } from '../../errors.ts';

/**
 * Prompt templates: text with `{{question}}`, `{{context}}` and `{{metadata.<field>}}` placeholders.
 * Rendering is one pass over the template, so braces inside a value (a question about `{{x}}`) are
 * copied as they are and never expanded again.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const VARIABLE = /^(question|context|metadata\.[A-Za-z_][A-Za-z0-9_-]*)$/;

export const TEMPLATE_MAX_LENGTH = 20_000;

/** The variables a template uses, in order of first use; refuses a placeholder that is not a variable. */
export function templateVariables(template: string, field = 'template'): string[] {
  if (template.trim().length === 0) throw new ValidationError(field, 'must not be empty');
  if (template.length > TEMPLATE_MAX_LENGTH)
    throw new ValidationError(field, `must be at most ${TEMPLATE_MAX_LENGTH} characters`);
  const variables: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!VARIABLE.test(name)) {
      throw new ValidationError(
        field,
        `unknown variable {{${name}}}: use {{question}}, {{context}} or {{metadata.<field>}}`,
      );
    }
    if (!variables.includes(name)) variables.push(name);
  }
  return variables;
}

export interface TemplateValues {
  question: string;
  /** The retrieved passages, as the prompt gives them; absent without retrieval. */
  context?: string;
  metadata?: Readonly<Record<string, unknown>>;
}

export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    if (name === 'question') return values.question;
    if (name === 'context') return values.context ?? '';
    const value = values.metadata?.[name.slice('metadata.'.length)];
    if (value == null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** What an experiment may fill a template with: refuses the variables it has no value for. */
export function checkTemplateVariables(
  variables: readonly string[],
  available: { context: boolean; metadataFields: ReadonlySet<string> },
  field: string,
): void {
  for (const variable of variables) {
    if (variable === 'question') continue;
    if (variable === 'context') {
      if (!available.context)
        throw new ValidationError(
          field,
          '{{context}} needs retrieval: set config.rag (or use reasoningMethod RAG)',
        );
      continue;
    }
    const key = variable.slice('metadata.'.length);
    if (!available.metadataFields.has(key)) {
      const known = [...available.metadataFields].map((k) => `metadata.${k}`);
      throw new ValidationError(
        field,
        `unknown variable {{${variable}}}: no record of the dataset has a "${key}" field${known.length ? ` (it has ${known.join(', ')})` : ''}`,
      );
    }
  }
}

/** Records scanned for metadata fields: imported datasets are far smaller; generated ones have no metadata. */
const METADATA_SCAN_LIMIT = 10_000;

/** The metadata fields any record of the dataset has (what `{{metadata.<field>}}` may name). */
export function datasetMetadataFields(
  dataset:
    | { size: number; at(index: number): { metadata?: Readonly<Record<string, unknown>> } }
    | undefined,
): Set<string> {
  const fields = new Set<string>();
  if (!dataset) return fields;
  for (let i = 0; i < Math.min(dataset.size, METADATA_SCAN_LIMIT); i++) {
    for (const key of Object.keys(dataset.at(i).metadata ?? {})) fields.add(key);
  }
  return fields;
}
