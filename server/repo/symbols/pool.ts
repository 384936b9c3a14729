/**
 * A small pool of parser threads, so tree-sitter's parsing (CPU-bound, in wasm) never blocks the
 * language server's event loop and uses every core up to four. Files wait in one queue and go out
 * in small batches; each thread holds a second batch while it parses the first, so it never waits
 * for the main thread between batches. Threads are unref'd while idle, so they can never keep a
 * process alive, and stop after a quiet spell to give their memory back.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { wasmPaths, type WasmPaths } from './grammars';
import type { BatchRequest, BatchResponse, ParseJob, ParseResult, SyntaxJob, SyntaxResult, WorkerInit, WorkerJob, WorkerResult } from './protocol';

export interface PoolOptions {
  /** Default: min(cores, 4). */
  size?: number;
  /** The server bundle's native folder, where the packaged extension keeps the grammars. */
  nativeDir?: string;
  /** Threads stop after this long without work. Default 30 s. */
  idleMs?: number;
}

const BATCH_FILES = 8;
/** Batches a thread holds at once: the one it parses and the next. */
const IN_FLIGHT = 2;
const DEFAULT_IDLE_MS = 30_000;

/**
 * The bundled worker beside the server bundle (whose `native` folder the caller names, or the
 * bundle this module is part of), else the TypeScript source under tsx (tests).
 */
function workerScript(nativeDir?: string): string {
  const bundled = [nativeDir && join(dirname(nativeDir), 'repoWorker.js'), join(__dirname, 'repoWorker.js')].find((file) => file && existsSync(file));
  return bundled || join(__dirname, 'worker.ts');
}

/** One job waiting for its answer. */
interface Pending {
  job: WorkerJob;
  resolve(result: WorkerResult): void;
  reject(error: Error): void;
}

class Thread {
  private readonly worker: Worker;
  readonly inFlight = new Map<number, Pending[]>();

  constructor(script: string, wasm: WasmPaths, onFree: (thread: Thread) => void, onDead: (thread: Thread, error: Error) => void) {
    // The bundled worker needs none of the server's own flags (a loader, an inspector port); the
    // TypeScript source (tests without a build) needs the parent's loader.
    this.worker = new Worker(script, { workerData: { wasm } satisfies WorkerInit, execArgv: script.endsWith('.js') ? [] : undefined });
    this.worker.unref();
    this.worker.on('message', (response: BatchResponse) => this.finish(response, onFree));
    this.worker.on('error', (error) => onDead(this, error));
    this.worker.on('exit', (code) => onDead(this, new Error(`a parser thread stopped (exit code ${code})`)));
  }

  get hasRoom(): boolean {
    return this.inFlight.size < IN_FLIGHT;
  }

  run(id: number, batch: Pending[]): void {
    this.inFlight.set(id, batch);
    this.worker.ref();
    this.worker.postMessage({ id, jobs: batch.map((pending) => pending.job) } satisfies BatchRequest);
  }

  private finish(response: BatchResponse, onFree: (thread: Thread) => void): void {
    const batch = this.inFlight.get(response.id);
    this.inFlight.delete(response.id);
    if (this.inFlight.size === 0) this.worker.unref();
    batch?.forEach((pending, index) => pending.resolve(response.results[index] ?? { error: 'the parser thread gave no answer for this job' }));
    onFree(this);
  }

  /** Fails every file this thread still holds. */
  fail(error: Error): void {
    for (const batch of this.inFlight.values()) for (const pending of batch) pending.reject(error);
    this.inFlight.clear();
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class ParserPool {
  private readonly size: number;
  private readonly wasm: WasmPaths;
  private readonly script: string;
  private readonly idleMs: number;
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(availableParallelism(), 4));
    this.wasm = wasmPaths(options.nativeDir);
    this.script = workerScript(options.nativeDir);
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Threads currently running (for tests: zero once idle or disposed). */
  get threadCount(): number {
    return this.threads.length;
  }

  /** Each job's symbols or error, in the order of `jobs`. */
  parse(jobs: ParseJob[], signal?: AbortSignal): Promise<ParseResult[]> {
    return Promise.all(jobs.map((job) => this.parseOne(job, signal)));
  }

  /** One file's symbols or error; files queued one by one are still sent to the threads in batches. */
  parseOne(job: ParseJob, signal?: AbortSignal): Promise<ParseResult> {
    return this.submit(job, signal) as Promise<ParseResult>;
  }

  /** The syntax errors in a text, or why it could not be parsed. */
  syntax(job: SyntaxJob, signal?: AbortSignal): Promise<SyntaxResult> {
    return this.submit(job, signal) as Promise<SyntaxResult>;
  }

  private submit(job: WorkerJob, signal?: AbortSignal): Promise<WorkerResult> {
    if (this.disposed) return Promise.reject(new Error('The parser pool has been shut down.'));
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => this.cancel(pending, signal!.reason as Error);
      // A settled job lets go of the signal, which may outlive thousands of jobs.
      const settled =
        <T>(settle: (value: T) => void) =>
        (value: T) => {
          signal?.removeEventListener('abort', onAbort);
          settle(value);
        };
      const pending: Pending = { job, resolve: settled(resolve), reject: settled(reject) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(pending);
      queueMicrotask(() => this.dispatch());
    });
  }

  private cancel(pending: Pending, reason: Error): void {
    const index = this.queue.indexOf(pending);
    if (index >= 0) this.queue.splice(index, 1);
    pending.reject(reason);
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0) {
      const thread = this.roomiest();
      if (!thread) break;
      // A short queue is spread over every thread rather than sent to the first in one batch.
      const size = Math.max(1, Math.min(BATCH_FILES, Math.ceil(this.queue.length / this.size)));
      thread.run(this.nextId++, this.queue.splice(0, size));
    }
    if (this.threads.every((thread) => thread.inFlight.size === 0)) this.idleTimer = setTimeout(() => void this.stopThreads(), this.idleMs).unref();
  }

  /** The thread holding the fewest batches, starting one while the pool has room. */
  private roomiest(): Thread | undefined {
    const free = this.threads.find((thread) => thread.inFlight.size === 0);
    if (free) return free;
    if (this.threads.length < this.size) return this.spawn();
    return this.threads.find((thread) => thread.hasRoom);
  }

  private spawn(): Thread {
    const thread = new Thread(
      this.script,
      this.wasm,
      () => this.dispatch(),
      (dead, error) => this.onDead(dead, error),
    );
    this.threads.push(thread);
    return thread;
  }

  /** A crashed thread fails only the files it held; the next batch starts a new thread. */
  private onDead(thread: Thread, error: Error): void {
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
    thread.fail(error);
    void thread.stop().catch(() => undefined);
    if (!this.disposed) this.dispatch();
  }

  private async stopThreads(): Promise<void> {
    const stopping = this.threads.splice(0);
    await Promise.all(stopping.map((thread) => thread.stop()));
  }

  /** Stops every thread; files still queued or being parsed fail. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    const error = new Error('The parser pool was shut down.');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    for (const thread of this.threads) thread.fail(error);
    await this.stopThreads();
  }
}
