/**
 * The small JSONPath subset graders need: `$`, then `.key`, `['key']` and `[index]` steps. Enough to
 * point at one value of an answer; filters and wildcards are refused rather than half supported.
 */
export type PathStep = string | number;

const STEP =
  /^(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;

export function parseJsonPath(path: string): PathStep[] {
  if (!path.startsWith('$')) throw new Error('a path starts with $ (e.g. $.answer, $.items[0])');
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = STEP.exec(rest);
    if (!match) throw new Error(`unsupported path step at "${rest}": use .key, ['key'] or [index]`);
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push((match[3] ?? match[4] ?? '').replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return steps;
}

/** The value at the path, or `undefined` when any step is missing. */
export function readJsonPath(document: unknown, steps: readonly PathStep[]): unknown {
  let current: unknown = document;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return undefined;
      current = current[step];
    } else {
      if (
        current === null ||
        typeof current !== 'object' ||
        Array.isArray(current) ||
        !Object.hasOwn(current, step)
      )
        return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
