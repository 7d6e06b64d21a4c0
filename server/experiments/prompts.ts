import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/sqlite';
import { PromptVersion } from '../db/entities/prompt-version.entity.ts';
import { templateVariables } from '../engine/prompts/template.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const DESCRIPTION_LENGTH = 10_000;

export interface CreatePromptInput {
  name: string;
  template: string;
  description?: string | null;
}

export interface CreatePromptVersionInput {
  name: string;
  template: string;
  /** The version the edit started from; it must still be the latest, else the edit is stale (CONFLICT). */
  baseVersion: number;
  description?: string | null;
}

/** A new prompt: its version 1. A name already taken is a CONFLICT. */
export async function createPrompt(
  em: EntityManager,
  input: CreatePromptInput,
): Promise<PromptVersion> {
  const name = validName(input.name);
  templateVariables(input.template);
  const description = validDescription(input.description);
  if (await em.count(PromptVersion, { name }))
    throw new ConflictError(
      `a prompt named "${name}" already exists; add a version with createPromptVersion`,
    );
  return store(em, { name, version: 1, template: input.template, description });
}

/** The next version of a prompt. Versions are immutable; an edit based on an older version than the latest is a CONFLICT. */
export async function createPromptVersion(
  em: EntityManager,
  input: CreatePromptVersionInput,
): Promise<PromptVersion> {
  const name = validName(input.name);
  templateVariables(input.template);
  const description = validDescription(input.description);
  const latest = await latestVersion(em, name);
  if (!latest) throw new NotFoundError('prompt', name);
  if (input.baseVersion !== latest.version) {
    throw new ConflictError(
      `prompt "${name}" is at version ${latest.version}, not ${input.baseVersion}: someone saved a newer version; start from it`,
    );
  }
  return store(em, {
    name,
    version: latest.version + 1,
    template: input.template,
    description: description ?? latest.description,
  });
}

export function latestVersion(em: EntityManager, name: string): Promise<PromptVersion | null> {
  return em.findOne(PromptVersion, { name }, { orderBy: { version: 'desc' } });
}

/** Every prompt's versions, grouped by name (names in order, versions ascending). */
export async function listPrompts(
  em: EntityManager,
): Promise<{ name: string; versions: PromptVersion[] }[]> {
  const rows = await em.find(PromptVersion, {}, { orderBy: { name: 'asc', version: 'asc' } });
  const byName = new Map<string, PromptVersion[]>();
  for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
  return [...byName].map(([name, versions]) => ({ name, versions }));
}

/** One version, or the latest when `version` is absent. */
export async function findPrompt(
  em: EntityManager,
  name: string,
  version?: number | null,
): Promise<PromptVersion> {
  const row =
    version == null
      ? await latestVersion(em, name)
      : await em.findOne(PromptVersion, { name, version });
  if (!row) throw new NotFoundError('prompt', version == null ? name : `${name}@${version}`);
  return row;
}

async function store(
  em: EntityManager,
  data: { name: string; version: number; template: string; description: string | null },
): Promise<PromptVersion> {
  const row = em.create(PromptVersion, data);
  try {
    await em.flush();
  } catch (error) {
    // Two saves from the same base raced: the unique (name, version) lets exactly one win.
    if (error instanceof UniqueConstraintViolationException) {
      em.clear();
      throw new ConflictError(
        `prompt "${data.name}" version ${data.version} was just saved by someone else`,
      );
    }
    throw error;
  }
  return row;
}

function validName(value: string): string {
  const name = value.trim();
  if (!NAME_PATTERN.test(name))
    throw new ValidationError(
      'name',
      'must be 1..100 letters, digits, "_", "-" or ".", starting with a letter or digit',
    );
  return name;
}

function validDescription(value: string | null | undefined): string | null {
  if (value == null) return null;
  if (value.length > DESCRIPTION_LENGTH)
    throw new ValidationError('description', `must be at most ${DESCRIPTION_LENGTH} characters`);
  return value.trim() || null;
}
