import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * JSON with object keys sorted at every level, so equal content always hashes the same. Exactly
 * `JSON.stringify` of the value with its keys sorted (undefined fields dropped), written in one pass:
 * it runs for every model call with caching on, and copying the value first cost three times as much.
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value)
        ? writeArray(value)
        : writeObject(value as Record<string, unknown>);
    case 'bigint':
      return JSON.stringify(value); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions and symbols are left out, as JSON.stringify does
  }
}

function writeArray(array: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < array.length; i++) out += `${i === 0 ? '' : ','}${write(array[i]) ?? 'null'}`;
  return `${out}]`;
}

function writeObject(object: Record<string, unknown>): string {
  let out = '{';
  for (const key of sortedKeys(object)) {
    const field = write(object[key]);
    if (field !== undefined) out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${field}`;
  }
  return `${out}}`;
}

/**
 * Sorted keys, except that integer-like keys come first in numeric order: the order JavaScript gives
 * the keys of any object, so the hashes written before this function existed stay the same.
 */
function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object).sort();
  if (!keys.some(isIndexKey)) return keys;
  const indices = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((key) => !isIndexKey(key))];
}

function isIndexKey(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}
