/**
 * Tables REPL cells return: read from a kernel's reply (checked and bounded again, since a cell
 * can write to the kernel's pipes), and written as Markdown for the session export and the model.
 */
import * as z from 'zod/mini';
import { CellTableSchema, TABLE_BOUNDS, type CellTable } from '../../protocol/cellTable';

/** The tables of a kernel's reply that have the declared shape, held to TABLE_BOUNDS; anything else is dropped. */
export function readTables(raw: unknown): CellTable[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((given) => {
    const parsed = z.safeParse(CellTableSchema, given);
    return parsed.success ? [bound(parsed.data)] : [];
  });
}

function bound(table: CellTable): CellTable {
  const columns = table.columns.slice(0, TABLE_BOUNDS.columns).map((column) => clip(column));
  // Every row as wide as the header, so the table stays rectangular however the kernel sent it.
  const rows = table.rows.slice(0, TABLE_BOUNDS.rows).map((row) => columns.map((_, index) => clip(row[index] ?? '')));
  return {
    columns,
    rows,
    totalRows: Math.max(Math.floor(table.totalRows), rows.length),
    totalColumns: Math.max(Math.floor(table.totalColumns), columns.length),
  };
}

function clip(text: string, chars: number = TABLE_BOUNDS.cellChars): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/** What a table leaves out, in words ("999,800 more rows and 950 more columns"); empty when it shows everything. */
export function leftOut(table: CellTable, rowsShown = table.rows.length): string {
  const count = (n: number, what: string) => `${n.toLocaleString('en-US')} more ${what}${n === 1 ? '' : 's'}`;
  const rows = table.totalRows - rowsShown;
  const columns = table.totalColumns - table.columns.length;
  return [rows > 0 ? count(rows, 'row') : '', columns > 0 ? count(columns, 'column') : ''].filter(Boolean).join(' and ');
}

export interface MarkdownOptions {
  /** The table's longest length; rows past it are left out and counted. */
  maxChars: number;
  /** Each cell's longest length. */
  cellChars?: number;
  /**
   * `markdown` escapes every punctuation mark, so no cell text becomes a link, markup or HTML in a
   * rendered export; `pipes` escapes only what would break the table, for a model to read.
   */
  escape: 'markdown' | 'pipes';
}

/** The table as a GitHub-flavoured Markdown table, bounded, with a line saying what it left out. */
export function tableMarkdown(table: CellTable, options: MarkdownOptions): string {
  const cell = (text: string) => escapeCell(clip(text, options.cellChars), options.escape);
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const lines = [line(table.columns), `|${table.columns.map(() => ' --- |').join('')}`];
  let length = lines.join('\n').length;
  let shown = 0;
  for (const row of table.rows) {
    const next = line(row);
    if (length + next.length + 1 > options.maxChars) break;
    lines.push(next);
    length += next.length + 1;
    shown++;
  }
  const omitted = leftOut(table, shown);
  const size = `${table.totalRows.toLocaleString('en-US')} × ${table.totalColumns.toLocaleString('en-US')}`;
  return [...lines, ...(omitted ? ['', `_${omitted} not shown (${size} in all)._`] : [])].join('\n');
}

function escapeCell(text: string, escape: MarkdownOptions['escape']): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ');
  return escape === 'markdown' ? flat.replace(/[!-/:-@[-`{-~]/g, '\\$&') : flat.replace(/[\\|]/g, '\\$&');
}
