import { useState } from 'react';

/** Forward-only cursors (GraphQL connections) with a stack, so "previous" goes back a page. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors.at(-1) ?? null,
    page: cursors.length,
    next: (endCursor: string) => setCursors((stack) => [...stack, endCursor]),
    previous: () => setCursors((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack)),
    reset: () => setCursors([null]),
  };
}

/** "21–40 of 95" with previous / next buttons. */
export function Pager({
  pages,
  pageInfo,
  totalCount,
  pageSize,
}: {
  pages: ReturnType<typeof useCursorPages>;
  pageInfo: { endCursor?: string | null; hasNextPage: boolean } | undefined;
  totalCount: number;
  pageSize: number;
}) {
  const first = (pages.page - 1) * pageSize + 1;
  const last = Math.min(totalCount, pages.page * pageSize);
  return (
    <div className="pager">
      <span className="muted" data-testid="pager-range">
        {totalCount === 0 ? 'none' : `${first}–${last} of ${totalCount}`}
      </span>
      <button type="button" onClick={pages.previous} disabled={pages.page === 1}>
        ← Previous
      </button>
      <button
        type="button"
        onClick={() => pageInfo?.endCursor && pages.next(pageInfo.endCursor)}
        disabled={!pageInfo?.hasNextPage}
      >
        Next →
      </button>
    </div>
  );
}
