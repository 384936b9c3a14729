/**
 * Tables from real kernels: a cell whose value is tabular (a DataFrame-like object, a list of
 * records, a list of equal rows; in Node arrays of plain objects or of arrays) comes back as a
 * bounded table with its totals, its value text kept; a list that is not a table does not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { TABLE_BOUNDS } from '../../../protocol/cellTable';
import type { CellEvent } from '../../../server/hands/repl';
import { pythonWithMatplotlib, replsIn } from './python';

const repl = replsIn('hands-repl-tables');

const FAKE_FRAME = `
class Index:
    name = "city"
class FakeFrame:
    """Has what a pandas DataFrame has for Parley, and nothing of pandas."""
    columns = ["population", "country"]
    index = Index()
    shape = (3, 2)
    def __len__(self): return 3
    def itertuples(self, index=True, name=None):
        yield ("Paris", 2100000, "FR")
        yield ("Lyon", 520000, "FR")
        yield ("Bonn", 330000, "DE")
    def __repr__(self): return "FakeFrame(3 rows)"
`;

describe('Python REPL tables', { timeout: 120_000 }, () => {
  it('a DataFrame-like object → its index and columns as a table, its repr as the value, no value event', async () => {
    const python = repl({ language: 'python' });
    const events: CellEvent[] = [];
    const result = await python.run(`${FAKE_FRAME}\nFakeFrame()`, { onEvent: (event) => events.push(event) });
    assert.equal(result.outcome, 'ok', JSON.stringify(result.error));
    assert.equal(result.value, 'FakeFrame(3 rows)');
    const table = {
      columns: ['city', 'population', 'country'],
      rows: [
        ['Paris', '2100000', 'FR'],
        ['Lyon', '520000', 'FR'],
        ['Bonn', '330000', 'DE'],
      ],
      totalRows: 3,
      totalColumns: 3,
    };
    assert.deepEqual(result.tables, [table]);
    assert.deepEqual(
      events.filter((event) => event.type === 'table' || event.type === 'value'),
      [{ type: 'table', table }],
    );
  });

  it('a list of dicts with the same keys, a list of tuples, namedtuples → tables; lists that are not → none', async () => {
    const python = repl({ language: 'python' });
    assert.deepEqual((await python.run('[{"a": 1, "b": "x"}, {"b": None, "a": 2}]')).tables, [
      {
        columns: ['a', 'b'],
        rows: [
          ['1', 'x'],
          ['2', 'None'],
        ],
        totalRows: 2,
        totalColumns: 2,
      },
    ]);
    assert.deepEqual((await python.run('[(1, 2.5), [3, "four"]]')).tables[0]?.rows, [
      ['1', '2.5'],
      ['3', 'four'],
    ]);
    assert.deepEqual((await python.run('from collections import namedtuple\nP = namedtuple("P", "x y")\n[P(1, 2)]')).tables[0]?.columns, ['x', 'y']);
    for (const code of ['[1, 2, 3]', '[[1, 2], [3]]', '[{"a": 1}, {"b": 2}]', '["ab", "cd"]', '[]', '[[]]', '{"a": [1, 2]}', '[{"a": 1}, [1]]']) {
      const result = await python.run(code);
      assert.deepEqual(result.tables, [], code);
      assert.ok(result.value !== undefined, code);
    }
  });

  it('bounds: a million rows, a thousand columns, huge cells → the first rows and columns, the totals, clipped text', async () => {
    const python = repl({ language: 'python' });
    const started = Date.now();
    const long = await python.run('[[i, i * 2] for i in range(1_000_000)]');
    assert.ok(Date.now() - started < 8000, `${Date.now() - started} ms`);
    assert.equal(long.tables[0]?.rows.length, TABLE_BOUNDS.rows);
    assert.equal(long.tables[0]?.totalRows, 1_000_000);
    assert.deepEqual(long.tables[0]?.rows[199], ['199', '398']);
    assert.ok(long.value!.length < 25_000, `the value text is bounded too: ${long.value!.length}`);
    const wide = (await python.run('[list(range(1000))]')).tables[0]!;
    assert.deepEqual([wide.columns.length, wide.rows[0]!.length, wide.totalColumns, wide.columns.at(-1)], [50, 50, 1000, '49']);
    const huge = (await python.run('[{"text": "x" * 100_000}]')).tables[0]!;
    assert.equal(huge.rows[0]![0]!.length, TABLE_BOUNDS.cellChars);
    assert.ok(huge.rows[0]![0]!.endsWith('…'));
  });

  it('an object that only looks like a DataFrame and fails → shown by its repr, the cell does not fail', async () => {
    const python = repl({ language: 'python' });
    const result = await python.run(
      'class Odd:\n    columns = ["a"]\n    def itertuples(self, **k): raise ValueError("no")\n    def __len__(self): return 1\nOdd()',
    );
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(result.tables, []);
    assert.match(result.value ?? '', /Odd object/);
  });

  it('a real pandas DataFrame and Series → tables (scripts/hands-env.sh installs pandas)', async () => {
    assert.equal(spawnSync(pythonWithMatplotlib(), ['-c', 'import pandas'], { stdio: 'ignore' }).status, 0, 'pandas is missing: run bash scripts/hands-env.sh');
    const python = repl({ language: 'python' });
    const frame = await python.run('import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"]})');
    assert.deepEqual(frame.tables[0]?.columns, ['', 'a', 'b']);
    assert.deepEqual(frame.tables[0]?.rows, [
      ['0', '1', 'x'],
      ['1', '2', 'y'],
    ]);
    const series = await python.run('pd.Series([3, 4], name="n")');
    assert.deepEqual(series.tables[0]?.columns, ['', 'n']);
  });
});

describe('Node REPL tables', { timeout: 60_000 }, () => {
  it('arrays of plain objects with the same keys, and of equal arrays → tables; others → none', async () => {
    const node = repl({ language: 'node' });
    const records = await node.run('[{ name: "a", n: 1 }, { n: 2, name: "<b>" }]');
    assert.deepEqual(records.tables, [
      {
        columns: ['name', 'n'],
        rows: [
          ['a', '1'],
          ['<b>', '2'],
        ],
        totalRows: 2,
        totalColumns: 2,
      },
    ]);
    assert.match(records.value ?? '', /name: 'a'/);
    assert.deepEqual((await node.run('[[1, "x"], [2, null]]')).tables[0]?.rows, [
      ['1', 'x'],
      ['2', 'null'],
    ]);
    for (const code of ['[1, 2]', '[[1], [2, 3]]', '[{ a: 1 }, { b: 1 }]', '[new Map(), new Map()]', '[]', '({ a: 1 })', '[{ a: 1 }, [1]]']) {
      assert.deepEqual((await node.run(code)).tables, [], code);
    }
  });

  it('bounds: a million rows, a thousand columns, huge cells', async () => {
    const node = repl({ language: 'node' });
    const long = (await node.run('Array.from({ length: 1_000_000 }, (_, i) => ({ i, twice: i * 2 }))')).tables[0]!;
    assert.deepEqual([long.rows.length, long.totalRows, long.rows[199]], [200, 1_000_000, ['199', '398']]);
    const wide = (await node.run('[Array.from({ length: 1000 }, (_, i) => i)]')).tables[0]!;
    assert.deepEqual([wide.columns.length, wide.rows[0]!.length, wide.totalColumns], [50, 50, 1000]);
    const huge = (await node.run('[["x".repeat(100_000)]]')).tables[0]!;
    assert.equal(huge.rows[0]![0]!.length, TABLE_BOUNDS.cellChars);
  });
});
