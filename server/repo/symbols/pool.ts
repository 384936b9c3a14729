/**
 * A small pool of parser threads, so tree-sitter's parsing (CPU-bound, in wasm) never blocks the
 * language server's event loop and uses every core up to four. Files go out in small batches that
 * idle threads pull, which keeps all threads busy when file sizes vary a lot. Threads are unref'd
 * while idle, so they can never keep a process alive, and stop after a quiet spell to give their
 * memory back.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { wasmPaths, type WasmPaths } from './grammars';
import type { BatchRequest, BatchResponse, ParseJob, ParseResult, WorkerInit } from './protocol';

export interface PoolOptions {
  /** Default: min(cores, 4). */
  size?: number;
  /** The server bundle's native folder, where the packaged extension keeps the grammars. */
  nativeDir?: string;
  /** Threads stop after this long without work. Default 30 s. */
  idleMs?: number;
}

const BATCH_FILES = 8;
const DEFAULT_IDLE_MS = 30_000;

/** The bundled worker next to dist/server.js, or the TypeScript source under tsx (tests, bench). */
function workerScript(): string {
  const bundled = join(__dirname, 'repoWorker.js');
  return existsSync(bundled) ? bundled : join(__dirname, 'worker.ts');
}

interface Batch {
  request: BatchRequest;
  resolve(results: ParseResult[]): void;
  reject(error: Error): void;
}

class Thread {
  private readonly worker: Worker;
  current: Batch | undefined;

  constructor(wasm: WasmPaths, onFree: (thread: Thread) => void, onDead: (thread: Thread, error: Error) => void) {
    this.worker = new Worker(workerScript(), { workerData: { wasm } satisfies WorkerInit });
    this.worker.unref();
    this.worker.on('message', (response: BatchResponse) => this.finish(response, onFree));
    this.worker.on('error', (error) => onDead(this, error));
    this.worker.on('exit', (code) => onDead(this, new Error(`a parser thread stopped (exit code ${code})`)));
  }

  run(batch: Batch): void {
    this.current = batch;
    this.worker.ref();
    this.worker.postMessage(batch.request);
  }

  private finish(response: BatchResponse, onFree: (thread: Thread) => void): void {
    const batch = this.current;
    this.current = undefined;
    this.worker.unref();
    if (batch?.request.id === response.id) batch.resolve(response.results);
    onFree(this);
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export class ParserPool {
  private readonly size: number;
  private readonly wasm: WasmPaths;
  private readonly idleMs: number;
  private readonly threads: Thread[] = [];
  private readonly idle: Thread[] = [];
  private readonly queue: Batch[] = [];
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(availableParallelism(), 4));
    this.wasm = wasmPaths(options.nativeDir);
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Threads currently running (for tests: zero once idle or disposed). */
  get threadCount(): number {
    return this.threads.length;
  }

  /** Each job's symbols or error, in the order of `jobs`. */
  async parse(jobs: ParseJob[], signal?: AbortSignal): Promise<ParseResult[]> {
    if (this.disposed) throw new Error('The parser pool has been shut down.');
    // Small requests are spread over every thread too.
    const batchSize = Math.max(1, Math.min(BATCH_FILES, Math.ceil(jobs.length / this.size)));
    const batches: Promise<ParseResult[]>[] = [];
    for (let start = 0; start < jobs.length; start += batchSize) batches.push(this.submit(jobs.slice(start, start + batchSize), signal));
    return (await Promise.all(batches)).flat();
  }

  private submit(jobs: ParseJob[], signal?: AbortSignal): Promise<ParseResult[]> {
    return new Promise((resolve, reject) => {
      const batch: Batch = { request: { id: this.nextId++, jobs }, resolve, reject };
      if (signal?.aborted) return reject(signal.reason as Error);
      signal?.addEventListener('abort', () => this.cancel(batch, signal.reason as Error), { once: true });
      this.queue.push(batch);
      this.dispatch();
    });
  }

  private cancel(batch: Batch, reason: Error): void {
    const index = this.queue.indexOf(batch);
    if (index >= 0) this.queue.splice(index, 1);
    batch.reject(reason);
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0) {
      const thread = this.idle.pop() ?? this.spawn();
      if (!thread) return;
      thread.run(this.queue.shift()!);
    }
    if (this.idle.length === this.threads.length) this.idleTimer = setTimeout(() => void this.stopThreads(), this.idleMs).unref();
  }

  private spawn(): Thread | undefined {
    if (this.threads.length >= this.size) return undefined;
    const thread = new Thread(this.wasm, (free) => this.onFree(free), (dead, error) => this.onDead(dead, error));
    this.threads.push(thread);
    return thread;
  }

  private onFree(thread: Thread): void {
    this.idle.push(thread);
    this.dispatch();
  }

  /** A crashed thread fails only the batch it was running; the next batch starts a new thread. */
  private onDead(thread: Thread, error: Error): void {
    remove(this.threads, thread);
    remove(this.idle, thread);
    thread.current?.reject(error);
    thread.current = undefined;
    void thread.stop().catch(() => undefined);
    if (!this.disposed) this.dispatch();
  }

  private async stopThreads(): Promise<void> {
    const stopping = this.threads.splice(0);
    this.idle.length = 0;
    await Promise.all(stopping.map((thread) => thread.stop()));
  }

  /** Stops every thread; batches still queued fail. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    for (const batch of this.queue.splice(0)) batch.reject(new Error('The parser pool was shut down.'));
    for (const thread of this.threads) thread.current?.reject(new Error('The parser pool was shut down.'));
    await this.stopThreads();
  }
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
