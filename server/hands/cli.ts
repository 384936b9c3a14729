/**
 * `parley exec` and `parley run`: one REPL cell, or one command, with the limits the assistant's
 * runs have. They need no approval: the person typing them is the one approving. The current
 * folder is the workspace.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Repl, DEFAULT_CELL_TIMEOUT_MS } from './repl';
import { runCommand } from './run';
import { DEFAULT_TREE_LIMITS } from './tree';

export const EXEC_USAGE = 'parley exec (--python <code> | --node <code>) [--timeout-ms N] [--memory-mb N] [--out-dir <dir>] [--python-path <program>] [--json]';
export const RUN_USAGE = 'parley run [--timeout-ms N] [--memory-mb N] [--json] -- <command> [args...]';

export class HandsUsageError extends Error {}

function positiveNumber(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new HandsUsageError(`--${name} wants a positive number, not "${String(value)}"`);
  return number;
}

const LIMIT_OPTIONS = { 'timeout-ms': { type: 'string' }, 'memory-mb': { type: 'string' }, json: { type: 'boolean' } } as const;

/** Runs one cell in a fresh kernel and prints what it did as one JSON object. */
export async function execCommand(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { ...LIMIT_OPTIONS, python: { type: 'string' }, node: { type: 'string' }, 'out-dir': { type: 'string' }, 'python-path': { type: 'string' } },
    strict: true,
  });
  if ((values.python === undefined) === (values.node === undefined)) throw new HandsUsageError(`give one of --python or --node; usage: ${EXEC_USAGE}`);
  const cwd = process.cwd();
  const repl = new Repl({
    language: values.python !== undefined ? 'python' : 'node',
    cwd,
    workspaceFolders: [cwd],
    python: values['python-path'] ?? env.PARLEY_PYTHON,
    timeoutMs: positiveNumber(values['timeout-ms'], 'timeout-ms', DEFAULT_CELL_TIMEOUT_MS),
    limits: { memoryBytes: positiveNumber(values['memory-mb'], 'memory-mb', DEFAULT_TREE_LIMITS.memoryBytes >> 20) * (1 << 20) },
    env,
  });
  try {
    const result = await repl.run(values.python ?? values.node!);
    const outDir = result.images.length > 0 ? imageDir(values['out-dir']) : undefined;
    const images = result.images.map((png, index) => {
      const path = join(outDir!, `figure-${index + 1}.png`);
      writeFileSync(path, png);
      return path;
    });
    const stdout = result.stdout + (result.value !== undefined ? `${result.value}\n` : '');
    const stderr = result.stderr + (result.error ? (result.error.traceback || result.error.message) + '\n' : '');
    const report = { outcome: result.outcome, stdout, stderr, images, ms: result.ms, ...(result.restarted ? { restarted: result.restarted } : {}) };
    if (result.outcome !== 'ok') process.exitCode = 1;
    return values.json ? JSON.stringify(report) : [stdout.trimEnd(), stderr.trimEnd(), ...images.map((path) => `image: ${path}`)].filter(Boolean).join('\n');
  } finally {
    await repl.close();
  }
}

function imageDir(outDir: string | undefined): string {
  if (outDir === undefined) return mkdtempSync(join(tmpdir(), 'parley-exec-'));
  mkdirSync(resolve(outDir), { recursive: true });
  return resolve(outDir);
}

/** Runs one command, its output streamed to stdout as it comes, then one line saying how it ended. */
export async function runCommandLine(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const split = args.indexOf('--');
  if (split < 0 || split === args.length - 1) throw new HandsUsageError(`give the command after "--"; usage: ${RUN_USAGE}`);
  const { values } = parseArgs({ args: args.slice(0, split), options: LIMIT_OPTIONS, strict: true });
  const [program, ...rest] = args.slice(split + 1);
  const cwd = process.cwd();
  const result = await runCommand({
    program: program!,
    args: rest,
    cwd,
    workspaceFolders: [cwd],
    timeoutMs: positiveNumber(values['timeout-ms'], 'timeout-ms', 10 * 60_000),
    limits: values['memory-mb'] === undefined ? {} : { memoryBytes: positiveNumber(values['memory-mb'], 'memory-mb', 0) * (1 << 20) },
    env,
    onOutput: ({ stream, text }) => (stream === 'stdout' ? process.stdout : process.stderr).write(text),
  });
  if (result.outcome !== 'ok') process.exitCode = result.exitCode !== null && result.exitCode > 0 ? result.exitCode : 1;
  const end = { exitCode: result.exitCode, ms: result.ms, signal: result.signal, outcome: result.outcome, ...(result.reason ? { reason: result.reason } : {}) };
  return values.json
    ? JSON.stringify(end)
    : `[${result.outcome}: ${result.signal ? `signal ${result.signal}` : `exit code ${result.exitCode}`}, ${result.ms} ms${result.reason ? `, ${result.reason}` : ''}]`;
}
