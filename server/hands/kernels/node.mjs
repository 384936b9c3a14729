// Parley's Node REPL kernel: one long-lived process per session, so variables persist between
// cells. The same protocol as python.py: one JSON line per cell on fd 3 ({id, code, marker, tableBounds}); the
// cell's output goes to stdout and stderr untouched, then the marker on both, then one JSON line
// back on fd 3 with the value of the last expression (util.inspect), or the error with its stack,
// the value again as a table when it is one (an array of plain objects with the same keys, or of
// arrays of one length, as console.table would show them; bounded by the request's
// `tableBounds`), and the names the session has defined. Cells run in this process's global scope, so `var`,
// `let`, `const`, functions and `require` persist as they do in Node's own REPL; a value that is a
// promise is awaited.
import { createRequire } from 'node:module';
import net from 'node:net';
import { join } from 'node:path';
import util from 'node:util';
import vm from 'node:vm';

const control = new net.Socket({ fd: 3, readable: true, writable: true });
const builtins = new Set(Object.getOwnPropertyNames(globalThis));
globalThis.require = createRequire(join(process.cwd(), 'cell.js'));

function send(message) {
  control.write(JSON.stringify(message) + '\n');
}

function variables() {
  return Object.getOwnPropertyNames(globalThis)
    .filter((name) => !builtins.has(name) && name !== 'require' && !name.startsWith('_'))
    .sort();
}

function errorOf(error) {
  if (!(error instanceof Error)) return { name: 'Error', message: util.inspect(error), traceback: `Uncaught ${util.inspect(error)}` };
  // The frames below the cell's last are the kernel's own.
  const frames = String(error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line));
  const last = frames.findLastIndex((line) => /\bcell:\d+/.test(line));
  const kept = last < 0 ? frames : frames.slice(0, last + 1);
  return { name: error.name, message: error.message, traceback: [`${error.name}: ${error.message}`, ...kept].join('\n') };
}

async function run(code) {
  let value = vm.runInThisContext(code, { filename: 'cell' });
  if (value && typeof value.then === 'function') value = await value;
  globalThis._ = value;
  return value;
}

// The server sends its bounds (protocol/cellTable.ts) with each cell; these stand in for a request without them.
const DEFAULT_TABLE_BOUNDS = { rows: 200, columns: 50, cellChars: 200 };

function isPlainObject(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function cellText(value, bounds) {
  const text =
    typeof value === 'string' ? value : util.inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 20, maxStringLength: bounds.cellChars });
  return text.length <= bounds.cellChars ? text : `${text.slice(0, bounds.cellChars - 1)}\u2026`;
}

/** The first rows and columns as text; `cells(row)` gives one row's cells in column order. */
function boundedTable(columns, rows, cells, bounds) {
  const shown = columns.slice(0, bounds.columns);
  return {
    columns: shown.map((column) => cellText(column, bounds)),
    rows: rows.slice(0, bounds.rows).map((row) =>
      cells(row)
        .slice(0, shown.length)
        .map((cell) => cellText(cell, bounds)),
    ),
    totalRows: rows.length,
    totalColumns: columns.length,
  };
}

/** An array of plain objects with the same keys (in the first one's order), or of arrays of one length; null otherwise. */
function tableOf(value, bounds) {
  if (!Array.isArray(value) || value.length === 0) return null;
  const [first] = value;
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    const same = (row) => isPlainObject(row) && Object.keys(row).length === keys.length && keys.every((key) => Object.hasOwn(row, key));
    if (keys.length === 0 || !value.every(same)) return null;
    return boundedTable(keys, value, (row) => keys.slice(0, bounds.columns).map((key) => row[key]), bounds);
  }
  if (Array.isArray(first) && first.length > 0 && value.every((row) => Array.isArray(row) && row.length === first.length)) {
    return boundedTable(
      Array.from({ length: first.length }, (_, index) => String(index)),
      value,
      (row) => row.slice(0, bounds.columns),
      bounds,
    );
  }
  return null;
}

// A getter or a proxy that throws makes the value a non-table, not the cell an error.
function tableOrNull(value, bounds) {
  try {
    return tableOf(value, bounds);
  } catch {
    return null;
  }
}

function writeMarker(stream, marker) {
  return new Promise((resolve) => stream.write(marker, () => resolve()));
}

async function cell(request) {
  const answer = { id: request.id, type: 'done', images: [], tables: [] };
  const bounds = { ...DEFAULT_TABLE_BOUNDS, ...request.tableBounds };
  try {
    const value = await run(request.code);
    answer.value = value === undefined ? null : util.inspect(value, { depth: 4, colors: false });
    const table = tableOrNull(value, bounds);
    if (table) answer.tables.push(table);
  } catch (error) {
    answer.error = errorOf(error);
  }
  await writeMarker(process.stdout, request.marker);
  await writeMarker(process.stderr, request.marker);
  answer.variables = variables();
  send(answer);
}

// A cell's stray rejection or exception (a callback after the cell ended) is reported, not fatal.
process.on('uncaughtException', (error) => process.stderr.write(`${errorOf(error).traceback}\n`));
process.on('unhandledRejection', (error) => process.stderr.write(`${errorOf(error).traceback}\n`));

let buffer = '';
let queue = Promise.resolve();
control.setEncoding('utf8');
control.on('data', (chunk) => {
  buffer += chunk;
  for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
    const request = JSON.parse(buffer.slice(0, newline));
    buffer = buffer.slice(newline + 1);
    queue = queue.then(() => cell(request));
  }
});
control.on('end', () => process.exit(0));
send({ type: 'ready', variables: [] });
