/**
 * A table a REPL cell returned (a DataFrame or Series, a list of records, a list of equal rows),
 * as the kernels send it, the panel shows it and the session keeps it: the first rows and columns
 * as text, and how many there were in all, so a reader knows what was left out.
 */
// The mini build: the webviews bundle this schema.
import * as z from 'zod/mini';

/** How much of a table a kernel sends: the rest is counted, not sent. */
export const TABLE_BOUNDS = { rows: 200, columns: 50, cellChars: 200 } as const;

export const CellTableSchema = z.object({
  /** The header of each column shown (a DataFrame's index is the first column, its header its name or ""). */
  columns: z.array(z.string()),
  /** The rows shown, each a cell's text per column shown. */
  rows: z.array(z.array(z.string())),
  /** Rows and columns the value had in all, shown or not. */
  totalRows: z.number(),
  totalColumns: z.number(),
});

export type CellTable = z.output<typeof CellTableSchema>;
