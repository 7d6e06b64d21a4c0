export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Text columns are left-aligned, numbers right-aligned. */
  align?: 'left' | 'right';
}

/** A plain-text table with aligned columns and a rule under the header. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...cells.map((line) => line[i]!.length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) =>
        columns[i]!.align === 'left' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [
    render(columns.map((c) => c.title)),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...cells.map(render),
  ].join('\n');
}

export function fixed(value: number | null | undefined, digits: number): string {
  return value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}
