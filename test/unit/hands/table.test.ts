/**
 * Tables from a kernel's reply are checked and held to their bounds again; as Markdown they are
 * bounded, say what they left out, and (in the export) escape every punctuation mark.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TABLE_BOUNDS } from '../../../protocol/cellTable';
import { cellOutput } from '../../../server/hands/approvalCells';
import type { CellResult } from '../../../server/hands/repl';
import { readTables, tableMarkdown } from '../../../server/hands/table';
import { sessionMarkdown } from '../../../server/sessions/export';
import { cellResultText } from '../../../server/tools/builtin/runCell';

const table = {
  columns: ['name', 'n'],
  rows: [
    ['<img src=x>', '1'],
    ['a|b', '[x](y)'],
  ],
  totalRows: 1000,
  totalColumns: 3,
};

describe('cell tables', () => {
  it('a reply of the wrong shape loses its table, not the cell; an oversized one is cut to the bounds', () => {
    assert.deepEqual(readTables(undefined), []);
    assert.deepEqual(readTables([{ columns: 'a' }, { ...table, rows: [[1]] }]), []);
    const wide = Array.from({ length: 80 }, (_, i) => String(i));
    const [read] = readTables([{ columns: wide, rows: Array.from({ length: 500 }, () => [...wide, 'x'.repeat(1000)]), totalRows: 2, totalColumns: 0 }]);
    assert.deepEqual([read!.columns.length, read!.rows.length, read!.rows[0]!.length, read!.totalRows, read!.totalColumns], [50, 200, 50, 200, 50]);
    assert.deepEqual(readTables([{ ...table, rows: [['only one']] }])[0]!.rows, [['only one', '']], 'rows are as wide as the header');
    assert.ok(readTables([{ columns: ['c'.repeat(5000)], rows: [], totalRows: 0, totalColumns: 1 }])[0]!.columns[0]!.length <= TABLE_BOUNDS.cellChars);
  });

  it('as Markdown: escaped for a rendered export, rows past the bound counted', () => {
    const markdown = tableMarkdown(table, { maxChars: 10_000, escape: 'markdown' });
    assert.equal(
      markdown,
      '| name | n |\n| --- | --- |\n| \\<img src\\=x\\> | 1 |\n| a\\|b | \\[x\\]\\(y\\) |\n\n_998 more rows and 1 more column not shown (1,000 × 3 in all)._',
    );
    const short = tableMarkdown(table, { maxChars: 50, escape: 'pipes' });
    assert.match(short, /^\| name \| n \|\n\| --- \| --- \|\n\| <img src=x> \| 1 \|\n\n_999 more rows and 1 more column not shown/);
  });

  it('the model reads a table as Markdown, not the repr; the export writes it after the output', async () => {
    const result: CellResult = { outcome: 'ok', ms: 5, stdout: 'printed\n', stderr: '', value: "[{'name': ...}]", images: [], tables: [table] };
    const output = cellOutput(result);
    assert.equal(output, 'printed\n');
    const text = await cellResultText('python', result, output);
    assert.match(text, /Output:\nprinted\nIts value, a table[^\n]*\n\| name \| n \|/);
    assert.doesNotMatch(text, /\{'name'/);
    const huge = { columns: ['c'], rows: Array.from({ length: 200 }, () => ['y'.repeat(200)]), totalRows: 1_000_000, totalColumns: 1 };
    assert.ok((await cellResultText('python', { ...result, tables: [huge] }, output)).length <= 8_000);
    const exported = sessionMarkdown(
      0,
      [],
      [{ language: 'python', source: 'user', code: 'rows', outcome: 'ok', ms: 5, output, images: [], tables: [table], createdAt: 0 }],
    );
    assert.match(exported, /```text\nprinted\n```\n\n\| name \| n \|\n\| --- \| --- \|\n\| \\<img/);
  });
});
