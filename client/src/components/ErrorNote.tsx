import type { CombinedError } from 'urql';

/** A failed request, said plainly. */
export function ErrorNote({ error }: { error: CombinedError | Error | string }) {
  const message =
    typeof error === 'string'
      ? error
      : 'graphQLErrors' in error && error.graphQLErrors.length > 0
        ? error.graphQLErrors.map((e) => e.message).join('; ')
        : error.message;
  return (
    <div className="error-note" role="alert">
      {message}
    </div>
  );
}
