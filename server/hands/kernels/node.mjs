// Parley's Node REPL kernel: one long-lived process per session, so variables persist between
// cells. The same protocol as python.py: one JSON line per cell on fd 3 ({id, code, marker}); the
// cell's output goes to stdout and stderr untouched, then the marker on both, then one JSON line
// back on fd 3 with the value of the last expression (util.inspect), or the error with its stack,
// and the names the session has defined. Cells run in this process's global scope, so `var`,
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
  return value === undefined ? null : util.inspect(value, { depth: 4, colors: false });
}

function writeMarker(stream, marker) {
  return new Promise((resolve) => stream.write(marker, () => resolve()));
}

async function cell(request) {
  const answer = { id: request.id, type: 'done', images: [] };
  try {
    answer.value = await run(request.code);
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
