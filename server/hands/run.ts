/**
 * Runs one command the user approved, as a limited process tree (tree.ts): in a workspace folder,
 * with stdin closed (a command that reads it gets end-of-file at once), the hands environment (no
 * keys), a wall-time limit and a memory and process limit on the whole tree, and Stop killing all
 * of it. Output arrives as events in the order it was written and is kept within bounds.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { BoundedCapture, stripAnsi, type OutputEvent, type Stream } from './output';
import { DEFAULT_TREE_LIMITS, ProcessTree, type KernelLimits, type TreeLimits } from './tree';

export type Outcome = 'ok' | 'error' | 'timeout' | 'memory' | 'killed';

export interface CommandResult {
  outcome: Outcome;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** The end of the output (stdout and stderr as they interleaved), escape sequences stripped. */
  output: string;
  /** Bytes of output left out of `output`. */
  truncatedBytes: number;
  /** Why the tree was stopped, in words, when it was. */
  reason?: string;
}

export interface CommandOptions {
  program: string;
  args: readonly string[];
  /** Where it runs: a folder inside one of `workspaceFolders` (real paths compared). */
  cwd: string;
  workspaceFolders: readonly string[];
  timeoutMs: number;
  limits?: Partial<TreeLimits>;
  /** Stop: aborting kills the whole tree (SIGTERM, then SIGKILL after a short grace); a string reason says who stopped it. */
  signal?: AbortSignal;
  /** Called once the program started, with the process group it leads. */
  onStart?: (group: number) => void;
  onOutput?: (event: OutputEvent) => void;
  env?: NodeJS.ProcessEnv;
  /** Which of the kernel's limits to add to polling (default: the strongest the system offers). */
  kernelLimits?: KernelLimits;
  /** Characters of output kept (default 64 KiB: half from the start, half from the end). */
  captureChars?: number;
}

/** How long a stopped command may take to end on SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 300;

export class OutsideWorkspaceError extends Error {
  constructor(cwd: string) {
    super(`${cwd} is not inside a workspace folder; commands run only there.`);
    this.name = 'OutsideWorkspaceError';
  }
}

function realFolder(path: string): string | undefined {
  try {
    const real = realpathSync(path);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** The real path of `cwd` when it is a folder inside one of the workspace folders (symlinks resolved); throws otherwise. */
export function confineCwd(cwd: string, workspaceFolders: readonly string[]): string {
  const real = realFolder(resolve(cwd));
  const inside =
    real !== undefined &&
    workspaceFolders.some((folder) => {
      const root = realFolder(folder);
      if (root === undefined) return false;
      const rel = relative(root, real);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
  if (!inside) throw new OutsideWorkspaceError(cwd);
  return real;
}

/** Runs the command to its end (or its limit, or Stop) and resolves with what happened. */
export async function runCommand(options: CommandOptions): Promise<CommandResult> {
  const cwd = confineCwd(options.cwd, options.workspaceFolders);
  const started = performance.now();
  const half = (options.captureChars ?? 64 * 1024) / 2;
  const capture = new BoundedCapture(half, half);
  let stopped: Outcome | undefined;
  let reason: string | undefined;
  const limits = { ...DEFAULT_TREE_LIMITS, ...options.limits };
  const tree = new ProcessTree(options.program, options.args, { cwd, limits, env: options.env, kernelLimits: options.kernelLimits });
  const stop = (outcome: Outcome, why: string, graceMs: number) => {
    if (stopped) return;
    stopped = outcome;
    reason = why;
    void tree.kill(graceMs);
  };
  const onAbort = () => stop('killed', typeof options.signal?.reason === 'string' ? options.signal.reason : 'stopped by the user', STOP_GRACE_MS);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop('timeout', `stopped after the ${options.timeoutMs} ms time limit`, 0), options.timeoutMs);
  const spawnError = new Promise<Error | undefined>((done) => {
    tree.child.once('error', done);
    tree.child.once('spawn', () => done(undefined));
  });
  const drained = readOutput(tree, capture, options.onOutput);
  try {
    const error = await spawnError;
    if (error)
      return { outcome: 'error', exitCode: null, signal: null, ms: 0, output: error.message, truncatedBytes: 0, reason: `could not start ${options.program}` };
    if (tree.child.pid !== undefined) options.onStart?.(tree.child.pid);
    const { code, signal } = await tree.exited;
    const ms = Math.round(performance.now() - started);
    // What the command left running (daemons, background jobs) does not outlive it.
    await tree.close();
    await drained;
    const breach = tree.breached;
    if (!stopped && breach) stopped = breach === 'memory' ? 'memory' : 'killed';
    if (!reason && breach)
      reason =
        breach === 'memory'
          ? `stopped past the ${limits.memoryBytes >> 20} MB memory limit`
          : `stopped past ${limits.maxProcesses} processes or ${limits.maxTasks} threads`;
    const outcome = stopped ?? (code === 0 ? 'ok' : 'error');
    return {
      outcome,
      exitCode: code,
      signal,
      ms,
      output: stripAnsi(capture.tailText()),
      truncatedBytes: capture.bytesBeforeTail,
      ...(reason ? { reason } : {}),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await tree.close();
  }
}

/** Reads stdout and stderr as they arrive; resolves once both pipes have closed. */
function readOutput(tree: ProcessTree, capture: BoundedCapture, onOutput?: (event: OutputEvent) => void): Promise<void> {
  const read = (stream: Stream) =>
    new Promise<void>((done) => {
      const pipe = tree.child[stream];
      if (!pipe) return done();
      pipe.setEncoding('utf8');
      pipe.on('data', (text: string) => {
        capture.push(text);
        onOutput?.({ stream, text });
      });
      pipe.once('close', () => done());
      pipe.once('error', () => done());
    });
  return Promise.all([read('stdout'), read('stderr')]).then(() => undefined);
}
