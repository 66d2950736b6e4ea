/** One row of an import source, as read: its fields, or why it could not be read. */
export type SourceRow =
  | { readonly line: number; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly line: number; readonly error: string };

/** Where imported users come from: rows in order, read as they are consumed (bounded memory). */
export interface ImportSource {
  /** What a row's number counts: file lines, or rows of a table in id order. */
  readonly unit: 'line' | 'row';
  readonly rows: AsyncIterable<SourceRow>;
  /** How far through the source reading is, 0 to 1, when it can tell. */
  progress(): number | undefined;
  close(): Promise<void>;
}
