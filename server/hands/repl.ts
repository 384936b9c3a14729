/**
 * A REPL in the session: one long-lived kernel process (Python or Node) per session, so variables
 * persist between cells. The kernel is a limited tree (tree.ts) and each cell has a wall-time
 * limit on top; a cell that passes a limit, or is stopped, takes the kernel with it, a fresh one
 * starts, and the result says which variables were lost. The kernel scripts (kernels/) speak JSON
 * lines on fd 3, so nothing a cell prints can be mistaken for them.
 */
import { join } from 'node:path';
import type { CellTable } from '../../protocol/cellTable';
import { runChild } from '../process/spawn';
import { Kernel, type CellError, type KernelReply } from './kernel';
import type { Stream } from './output';
import { readTables } from './table';
import { confineCwd, STOP_GRACE_MS, type Outcome } from './run';
import { DEFAULT_TREE_LIMITS, type KernelLimits, type TreeLimits } from './tree';

export type { CellError } from './kernel';

export type ReplLanguage = 'python' | 'node';

export interface ReplOptions {
  language: ReplLanguage;
  cwd: string;
  workspaceFolders: readonly string[];
  /** The Python program (a setting; default `python3` on PATH). */
  python?: string;
  /** Per cell (default 10 s). */
  timeoutMs?: number;
  /** The kernel's whole tree (default 500 MB, 256 processes, 1024 threads). */
  limits?: Partial<TreeLimits>;
  kernelLimits?: KernelLimits;
  env?: NodeJS.ProcessEnv;
}

export type CellEvent =
  | { type: Stream; text: string }
  | { type: 'value'; text: string }
  | { type: 'error'; error: CellError }
  | { type: 'image'; png: Buffer }
  | { type: 'table'; table: CellTable };

export interface CellResult {
  outcome: Outcome;
  ms: number;
  stdout: string;
  stderr: string;
  value?: string;
  error?: CellError;
  images: Buffer[];
  /** The value again as tables, when it is one (the first rows and columns; the totals count all). */
  tables: CellTable[];
  /** Set when the cell cost the kernel its life: why, and what the session lost with it. */
  restarted?: { reason: string; lostVariables: string[] };
}

export interface CellOptions {
  signal?: AbortSignal;
  onEvent?: (event: CellEvent) => void;
}

export const DEFAULT_CELL_TIMEOUT_MS = 10_000;
const KERNELS = join(__dirname, 'kernels');
const READY_TIMEOUT_MS = 15_000;
/** What the kernel needs beyond the hands environment: a headless matplotlib, output unbuffered, and Electron's binary running as Node. */
const KERNEL_ENV = { MPLBACKEND: 'Agg', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ELECTRON_RUN_AS_NODE: '1' };

type Stopped = { outcome: Outcome; reason: string };
type Written = { ms: number; stdout: string; stderr: string };

/** Whether the Python program runs here, and which version it is; the reason in words when not. */
export async function pythonAvailable(python = 'python3'): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const version = await runChild(python, ['--version'], { purpose: 'hands', timeoutMs: 10_000, maxBufferBytes: 1 << 16 });
    return { ok: true, version: version.trim() };
  } catch (error) {
    return {
      ok: false,
      reason: `Python is not available: "${python}" did not run (${(error as Error).message.split('\n')[0]}). Install Python 3 or set the Python path.`,
    };
  }
}

export class Repl {
  private starting: Promise<Kernel> | undefined;
  private variables: string[] = [];
  private breach: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: ReplOptions) {}

  /** Runs one cell (cells of one REPL run one after another). */
  run(code: string, options: CellOptions = {}): Promise<CellResult> {
    const result = this.queue.then(() => this.runCell(code, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the kernel and everything it started. */
  async close(): Promise<void> {
    this.closed = true;
    const kernel = await this.starting?.catch(() => undefined);
    this.starting = undefined;
    await kernel?.tree.close();
  }

  private get limits(): TreeLimits {
    return { ...DEFAULT_TREE_LIMITS, ...this.options.limits };
  }

  private command(): [string, string[]] {
    if (this.options.language === 'python') return [this.options.python ?? 'python3', ['-u', join(KERNELS, 'python.py')]];
    return [process.execPath, [join(KERNELS, 'node.mjs')]];
  }

  private start(): Promise<Kernel> {
    if (this.closed) return Promise.reject(new Error('the REPL was closed'));
    this.starting ??= this.startKernel();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  private async startKernel(): Promise<Kernel> {
    const cwd = confineCwd(this.options.cwd, this.options.workspaceFolders);
    const [program, args] = this.command();
    if (this.options.language === 'python') {
      const python = await pythonAvailable(program);
      if (!python.ok) throw new Error(python.reason);
    }
    const { env, kernelLimits } = this.options;
    const kernel = new Kernel(program, args, { cwd, limits: this.limits, env, extraEnv: KERNEL_ENV, kernelLimits, onBreach: () => this.breach?.() });
    const timer = setTimeout(() => void kernel.tree.close(), READY_TIMEOUT_MS);
    const ready = await kernel.ready();
    clearTimeout(timer);
    if (ready) return kernel;
    await kernel.tree.close();
    throw new Error(`the ${this.options.language} kernel did not start (is "${program}" a working ${this.options.language}?)`);
  }

  private async runCell(code: string, options: CellOptions): Promise<CellResult> {
    const kernel = await this.start();
    const started = performance.now();
    const guard = this.guard(kernel, options.signal);
    try {
      const { reply, stdout, stderr } = await kernel.run(code, (type, text) => options.onEvent?.({ type, text }));
      const written = { ms: Math.round(performance.now() - started), stdout, stderr };
      return reply ? this.finished(reply, written, options.onEvent) : await this.lostKernel(kernel, written, guard.stopped());
    } finally {
      guard.dispose();
    }
  }

  /** The cell's time limit and Stop: either kills the kernel's tree and says why. */
  private guard(kernel: Kernel, signal: AbortSignal | undefined): { stopped(): Stopped | undefined; dispose(): void } {
    let stopped: Stopped | undefined;
    const stop = (outcome: Outcome, reason: string, graceMs: number) => {
      stopped ??= { outcome, reason };
      void kernel.tree.kill(graceMs);
    };
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_CELL_TIMEOUT_MS;
    const timer = setTimeout(() => stop('timeout', `the cell ran past its ${timeoutMs} ms time limit`, 0), timeoutMs);
    const onAbort = () => stop('killed', 'the cell was stopped', STOP_GRACE_MS);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    this.breach = () => (stopped ??= this.breachReason(kernel));
    return {
      stopped: () => stopped,
      dispose: () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.breach = undefined;
      },
    };
  }

  private finished(reply: KernelReply, written: Written, onEvent?: (event: CellEvent) => void): CellResult {
    this.variables = reply.variables ?? this.variables;
    const images = (reply.images ?? []).map((png) => Buffer.from(png, 'base64'));
    const tables = readTables(reply.tables);
    const value = reply.value ?? undefined;
    // A value that is a table is shown as one: its text stays in the result, for a reader without tables.
    if (value !== undefined && tables.length === 0) onEvent?.({ type: 'value', text: value });
    if (reply.error) onEvent?.({ type: 'error', error: reply.error });
    for (const png of images) onEvent?.({ type: 'image', png });
    for (const table of tables) onEvent?.({ type: 'table', table });
    return {
      ...written,
      outcome: reply.error ? 'error' : 'ok',
      images,
      tables,
      ...(value !== undefined ? { value } : {}),
      ...(reply.error ? { error: reply.error } : {}),
    };
  }

  private breachReason(kernel: Kernel): Stopped {
    const { memoryBytes, maxProcesses, maxTasks } = this.limits;
    if (kernel.tree.breached === 'memory') return { outcome: 'memory', reason: `the cell used more than ${memoryBytes >> 20} MB` };
    return { outcome: 'killed', reason: `the cell started more than ${maxProcesses} processes or ${maxTasks} threads` };
  }

  /** The kernel died during the cell: make sure its whole tree is gone, start a fresh one, and say what was lost. */
  private async lostKernel(kernel: Kernel, written: Written, stopped: Stopped | undefined): Promise<CellResult> {
    await kernel.tree.close();
    const why = stopped ?? (kernel.tree.breached ? this.breachReason(kernel) : { outcome: 'error' as Outcome, reason: 'the kernel exited during the cell' });
    const lostVariables = this.variables;
    this.variables = [];
    this.starting = undefined;
    // The next cell finds a fresh kernel ready; a failure to start shows on that cell.
    if (!this.closed) this.start().catch(() => undefined);
    const lost = lostVariables.length > 0 ? `variables ${lostVariables.join(', ')} were lost` : 'no variables were lost';
    const error = { name: 'ReplRestarted', message: `${why.reason}; the REPL was restarted: ${lost}.`, traceback: '' };
    return { ...written, outcome: why.outcome, images: [], tables: [], restarted: { reason: why.reason, lostVariables }, error };
  }
}
