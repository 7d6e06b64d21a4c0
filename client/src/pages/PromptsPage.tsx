import { useState } from 'react';
import { useQuery } from 'urql';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PromptsQuery } from '../operations/gates.ts';

/** Every stored prompt; two versions of one side by side, with the lines each has that the other lacks marked. */
export function PromptsPage() {
  const [{ data, error, fetching }] = useQuery({ query: PromptsQuery });
  const [selected, setSelected] = useState<string | null>(null);
  if (!data)
    return (
      <section className="panel">
        {error ? (
          <ErrorNote error={error} />
        ) : (
          <p className="muted">{fetching ? 'Loading…' : ''}</p>
        )}
      </section>
    );
  const prompt = data.prompts.find((p) => p.name === selected) ?? data.prompts[0];
  return (
    <section className="panel" data-testid="prompts-page">
      <h1>Prompts</h1>
      {data.prompts.length === 0 ? (
        <p className="muted">No prompts yet: create one with the createPrompt mutation.</p>
      ) : null}
      <ul className="chips">
        {data.prompts.map((p) => (
          <li key={p.name}>
            <button
              type="button"
              className={p.name === prompt?.name ? 'active' : undefined}
              onClick={() => setSelected(p.name)}
            >
              {p.name} <span className="muted">v{p.latestVersion}</span>
            </button>
          </li>
        ))}
      </ul>
      {prompt ? <VersionDiff key={prompt.name} versions={prompt.versions} /> : null}
    </section>
  );
}

type Version = { version: number; template: string; variables: string[] };

function VersionDiff({ versions }: { versions: readonly Version[] }) {
  const [left, setLeft] = useState(Math.max(0, versions.length - 2));
  const [right, setRight] = useState(versions.length - 1);
  const a = versions[left];
  const b = versions[right];
  if (!a || !b) return null;
  const pick = (value: number, set: (n: number) => void, label: string) => (
    <select aria-label={label} value={value} onChange={(e) => set(Number(e.target.value))}>
      {versions.map((v, i) => (
        <option key={v.version} value={i}>
          v{v.version}
        </option>
      ))}
    </select>
  );
  return (
    <div className="columns even" data-testid="prompt-diff">
      <Side version={a} other={b} picker={pick(left, setLeft, 'Left version')} mark="removed" />
      <Side version={b} other={a} picker={pick(right, setRight, 'Right version')} mark="added" />
    </div>
  );
}

function Side({
  version,
  other,
  picker,
  mark,
}: {
  version: Version;
  other: Version;
  picker: React.ReactNode;
  mark: 'added' | 'removed';
}) {
  const otherLines = new Set(other.template.split('\n'));
  return (
    <div>
      <h2>
        {picker} <span className="muted">{version.variables.map((v) => `{{${v}}}`).join(' ')}</span>
      </h2>
      <pre className="prompt-text">
        {version.template.split('\n').map((line, i) => (
          // Lines are positional: the same text may repeat.
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity of their own
          <div key={i} className={otherLines.has(line) ? undefined : `diff-${mark}`}>
            {line || ' '}
          </div>
        ))}
      </pre>
    </div>
  );
}
