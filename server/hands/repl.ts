/**
 * A REPL in the session: one long-lived kernel process (Python or Node) per session, so variables
 * persist between cells. The kernel is a limited tree (tree.ts) and each cell has a wall-time
 * limit on top; a cell that passes a limit, or is stopped, takes the kernel with it, a fresh one
 * starts, and the result says which variables were lost. The kernel scripts (kernels/) speak JSON
 * lines on fd 3, so nothing a cell prints can be mistaken for them.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { runChild } from '../process/spawn';
import type { Stream } from './output';
import { confineCwd, STOP_GRACE_MS, type Outcome } from './run';
import { DEFAULT_TREE_LIMITS, ProcessTree, type KernelLimits, type TreeLimits } from './tree';

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

export type CellEvent = { type: Stream; text: string } | { type: 'value'; text: string } | { type: 'error'; error: CellError } | { type: 'image'; png: Buffer };

export interface CellError {
  name: string;
  message: string;
  traceback: string;
}

export interface CellResult {
  outcome: Outcome;
  ms: number;
  stdout: string;
  stderr: string;
  value?: string;
  error?: CellError;
  images: Buffer[];
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
const MARKER_WAIT_MS = 1_000;

interface KernelReply {
  type: 'ready' | 'done';
  id?: number;
  value?: string | null;
  error?: CellError;
  images?: string[];
  variables?: string[];
}

/** Whether the Python program runs here, and which version it is; the reason in words when not. */
export async function pythonAvailable(python = 'python3'): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const version = await runChild(python, ['--version'], { purpose: 'hands', timeoutMs: 10_000, maxBufferBytes: 1 << 16 });
    return { ok: true, version: version.trim() };
  } catch (error) {
    return { ok: false, reason: `Python is not available: "${python}" did not run (${(error as Error).message.split('\n')[0]}). Install Python 3 or set the Python path.` };
  }
}

/** Splits one pipe's text at a cell's marker, holding back only what could be the start of one. */
class MarkerScanner {
  private held = '';
  private marker = '';
  private seen: () => void = () => {};

  constructor(private readonly emit: (text: string) => void) {}

  /** Resolves once the marker has come through this pipe. */
  expect(marker: string): Promise<void> {
    this.marker = marker;
    return new Promise((resolve) => (this.seen = resolve));
  }

  push(text: string): void {
    let pending = this.held + text;
    this.held = '';
    const at = this.marker ? pending.indexOf(this.marker) : -1;
    if (at >= 0) {
      if (at > 0) this.emit(pending.slice(0, at));
      pending = pending.slice(at + this.marker.length);
      this.marker = '';
      this.seen();
    } else if (this.marker) {
      const keep = partialMarker(pending, this.marker);
      this.held = pending.slice(pending.length - keep);
      pending = pending.slice(0, pending.length - keep);
    }
    if (pending) this.emit(pending);
  }
}

/** How many characters at the end of `text` are the start of `marker`. */
function partialMarker(text: string, marker: string): number {
  for (let k = Math.min(text.length, marker.length - 1); k > 0; k--) if (text.endsWith(marker.slice(0, k))) return k;
  return 0;
}

class Kernel {
  readonly tree: ProcessTree;
  readonly control: Socket;
  readonly stdout: MarkerScanner;
  readonly stderr: MarkerScanner;
  private buffer = '';
  private waiters = new Map<string, (reply: KernelReply) => void>();
  sink: (event: CellEvent) => void = () => {};

  constructor(program: string, args: string[], cwd: string, options: ReplOptions, onBreach: () => void) {
    const limits = { ...DEFAULT_TREE_LIMITS, ...options.limits };
    const extraEnv = { MPLBACKEND: 'Agg', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ELECTRON_RUN_AS_NODE: '1' };
    this.tree = new ProcessTree(program, args, { cwd, limits, env: options.env, extraEnv, kernelLimits: options.kernelLimits, controlPipe: true, onBreach });
    this.control = this.tree.child.stdio[3] as Socket;
    this.stdout = this.scanner('stdout');
    this.stderr = this.scanner('stderr');
    this.control.setEncoding('utf8');
    this.control.on('data', (chunk: string) => this.onControl(chunk));
    this.control.on('error', () => {});
  }

  /** Resolves with the next reply of this type (and id); undefined if the kernel exits first. */
  reply(key: string): Promise<KernelReply | undefined> {
    return new Promise((resolve) => {
      this.waiters.set(key, resolve);
      void this.tree.exited.then(() => resolve(undefined));
    });
  }

  send(message: object): void {
    this.control.write(JSON.stringify(message) + '\n');
  }

  private scanner(stream: Stream): MarkerScanner {
    const scanner = new MarkerScanner((text) => this.sink({ type: stream, text }));
    const pipe = this.tree.child[stream];
    pipe?.setEncoding('utf8');
    pipe?.on('data', (text: string) => scanner.push(text));
    return scanner;
  }

  private onControl(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const reply = JSON.parse(this.buffer.slice(0, newline)) as KernelReply;
      this.buffer = this.buffer.slice(newline + 1);
      const key = reply.type === 'done' ? `done:${reply.id}` : reply.type;
      this.waiters.get(key)?.(reply);
      this.waiters.delete(key);
    }
  }
}

export class Repl {
  private starting: Promise<Kernel> | undefined;
  private variables: string[] = [];
  private nextId = 1;
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

  private command(): [string, string[]] {
    if (this.options.language === 'python') return [this.options.python ?? 'python3', ['-u', join(KERNELS, 'python.py')]];
    return [process.execPath, [join(KERNELS, 'node.mjs')]];
  }

  private start(): Promise<Kernel> {
    if (this.closed) return Promise.reject(new Error('the REPL was closed'));
    this.starting ??= (async () => {
      const cwd = confineCwd(this.options.cwd, this.options.workspaceFolders);
      const [program, args] = this.command();
      if (this.options.language === 'python') {
        const python = await pythonAvailable(program);
        if (!python.ok) throw new Error(python.reason);
      }
      const kernel = new Kernel(program, args, cwd, this.options, () => this.breach?.());
      const spawned = await new Promise<Error | undefined>((done) => {
        kernel.tree.child.once('error', done);
        kernel.tree.child.once('spawn', () => done(undefined));
      });
      const timer = setTimeout(() => void kernel.tree.close(), READY_TIMEOUT_MS);
      const ready = spawned ? undefined : await kernel.reply('ready');
      clearTimeout(timer);
      if (!ready) {
        await kernel.tree.close();
        throw new Error(spawned ? `could not start the ${this.options.language} kernel: ${spawned.message}` : `the ${this.options.language} kernel did not start (is "${program}" a working ${this.options.language}?)`);
      }
      return kernel;
    })();
    this.starting.catch(() => (this.starting = undefined));
    return this.starting;
  }

  private async runCell(code: string, options: CellOptions): Promise<CellResult> {
    const kernel = await this.start();
    const started = performance.now();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const emit = (event: CellEvent) => options.onEvent?.(event);
    kernel.sink = (event) => {
      (event.type === 'stdout' ? stdout : stderr).push((event as { text: string }).text);
      emit(event);
    };
    const id = this.nextId++;
    const marker = `\u001e${randomBytes(12).toString('hex')}\u001e`;
    const outputRead = Promise.all([kernel.stdout.expect(marker), kernel.stderr.expect(marker)]);
    let stopped: { outcome: Outcome; reason: string } | undefined;
    const stop = (outcome: Outcome, reason: string, graceMs: number) => {
      stopped ??= { outcome, reason };
      void kernel.tree.kill(graceMs);
    };
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_CELL_TIMEOUT_MS;
    const timer = setTimeout(() => stop('timeout', `the cell ran past its ${timeoutMs} ms time limit`, 0), timeoutMs);
    const onAbort = () => stop('killed', 'the cell was stopped', STOP_GRACE_MS);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    this.breach = () => (stopped ??= this.breachReason(kernel));
    try {
      const done = kernel.reply(`done:${id}`);
      kernel.send({ id, code, marker });
      const reply = await done;
      // Every byte the cell wrote is in once both pipes have shown its marker.
      // A cell that closed its stdout never shows the marker there: wait a moment, not forever.
      if (reply) await Promise.race([outputRead, kernel.tree.exited, new Promise((resolve) => setTimeout(resolve, MARKER_WAIT_MS))]);
      const ms = Math.round(performance.now() - started);
      const base = { ms, stdout: stdout.join(''), stderr: stderr.join('') };
      if (!reply) return await this.lostKernel(kernel, base, stopped);
      this.variables = reply.variables ?? this.variables;
      const images = (reply.images ?? []).map((png) => Buffer.from(png, 'base64'));
      if (reply.value != null) emit({ type: 'value', text: reply.value });
      if (reply.error) emit({ type: 'error', error: reply.error });
      for (const png of images) emit({ type: 'image', png });
      return { ...base, outcome: reply.error ? 'error' : 'ok', images, ...(reply.value != null ? { value: reply.value } : {}), ...(reply.error ? { error: reply.error } : {}) };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      this.breach = undefined;
    }
  }

  private breachReason(kernel: Kernel): { outcome: Outcome; reason: string } {
    const limits = { ...DEFAULT_TREE_LIMITS, ...this.options.limits };
    if (kernel.tree.breached === 'memory') return { outcome: 'memory', reason: `the cell used more than ${limits.memoryBytes >> 20} MB` };
    return { outcome: 'killed', reason: `the cell started more than ${limits.maxProcesses} processes or ${limits.maxTasks} threads` };
  }

  /** The kernel died during the cell: make sure its whole tree is gone, start a fresh one, and say what was lost. */
  private async lostKernel(kernel: Kernel, base: { ms: number; stdout: string; stderr: string }, stopped: { outcome: Outcome; reason: string } | undefined): Promise<CellResult> {
    await kernel.tree.close();
    const why = stopped ?? (kernel.tree.breached ? this.breachReason(kernel) : { outcome: 'error' as Outcome, reason: 'the kernel exited during the cell' });
    const lostVariables = this.variables;
    this.variables = [];
    this.starting = undefined;
    // The next cell finds a fresh kernel ready; a failure to start shows on that cell.
    if (!this.closed) this.start().catch(() => undefined);
    const lost = lostVariables.length > 0 ? `variables ${lostVariables.join(', ')} were lost` : 'no variables were lost';
    return { ...base, outcome: why.outcome, images: [], restarted: { reason: why.reason, lostVariables }, error: { name: 'ReplRestarted', message: `${why.reason}; the REPL was restarted: ${lost}.`, traceback: '' } };
  }
}
