/**
 * Characters a terminal acts on instead of printing: C0 and C1 controls and
 * DEL (escape sequences that recolour, move the cursor, retitle the window
 * or hide what follows) and the bidirectional overrides and isolates, which
 * reorder what an operator reads. Cells hold what users and clients sent (a
 * device name, an address, an audit detail), so these print as `\u…`.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this expression's purpose.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A cell as it may reach a terminal: every character of {@link UNPRINTABLE} spelled as its escape. */
export function printableCell(cell: string): string {
  return cell.replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Lays rows out as a plain-text table: each column as wide as its widest
 * cell, two spaces between columns, a header line first. An empty list says
 * so instead of printing a bare header. Cells pass through
 * {@link printableCell} first.
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
  const printable = rows.map((row) => row.map(printableCell));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...printable.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...printable.map(line)].join('\n')}\n`;
}
