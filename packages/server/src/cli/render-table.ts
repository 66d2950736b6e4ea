/**
 * Lays rows out as a plain-text table: each column as wide as its widest
 * cell, two spaces between columns, a header line first. An empty list says
 * so instead of printing a bare header.
 *
 * @example
 * renderTable(['USERNAME', 'ROLE'], [['alice', 'admin']]); // 'USERNAME  ROLE\nalice     admin\n'
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  empty = '(none)',
): string {
  if (rows.length === 0) return `${empty}\n`;
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
