/**
 * The local recognizer's process, seen from the server: started when a voice stream opens (so the
 * model is loaded before the first turn ends), sent one turn at a time, killed when a turn is
 * cancelled or runs past its deadline, and started again for the next turn. One process per model
 * file serves every stream; it stops after a while without turns, and with the server.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage, type Logger } from '../../../log';
import { forkScript } from '../../../process/spawn';
import type { WorkerReply, WorkerRequest } from './protocol';

export interface EngineOptions {
  /** dist/native of the packaged server, where the addon for this platform is. */
  nativeDir?: string;
  /** Threads whisper.cpp computes with (default: half the machine's cores, at least 1, at most 4). */
  threads?: number;
  /** The process stops after this long without a turn (default 10 minutes). */
  idleMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve(text: string): void;
  reject(error: Error): void;
}

/** The bundled script beside the server bundle, else the TypeScript source under tsx (tests). */
function workerScript(nativeDir?: string): string {
  const bundled = [nativeDir && join(dirname(nativeDir), 'whisperWorker.js'), join(__dirname, 'whisperWorker.js')].find((file) => file && existsSync(file));
  return bundled || join(__dirname, 'worker.ts');
}

const STDERR_TAIL = 4096;

export class WhisperEngine {
  static readonly #engines = new Map<string, WhisperEngine>();
  #child: ChildProcess | undefined;
  #stderr = '';
  #ready: Promise<void> | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #idle: NodeJS.Timeout | undefined;

  /** The engine for `model`, shared by every stream that uses it. */
  static for(model: string, log: Logger, options: EngineOptions = {}): WhisperEngine {
    let engine = WhisperEngine.#engines.get(model);
    if (!engine) {
      engine = new WhisperEngine(model, log, options);
      WhisperEngine.#engines.set(model, engine);
    }
    return engine;
  }

  private constructor(
    readonly model: string,
    private readonly log: Logger,
    private readonly options: EngineOptions,
  ) {}

  /** Starts the process and loads the model, if that is not done; rejects when the model cannot be loaded. */
  warmUp(): Promise<void> {
    this.#ready ??= this.#start();
    return this.#ready;
  }

  /** The text whisper.cpp hears in `pcm` (mono s16le 16 kHz); a turn aborted by `signal` kills the process. */
  async transcribe(pcm: Buffer, prompt: string, signal: AbortSignal, language = 'en'): Promise<string> {
    signal.throwIfAborted();
    await this.warmUp();
    const child = this.#child;
    if (!child) throw new Error('the local recognizer stopped while it was starting');
    const id = this.#nextId++;
    this.#touch();
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        // whisper.cpp cannot be interrupted mid-turn; a fresh process is quicker than waiting.
        this.#stop('a turn was cancelled');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (text) => {
          signal.removeEventListener('abort', onAbort);
          resolve(text);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.#send(child, { type: 'transcribe', id, model: this.model, pcm, language, ...(prompt ? { prompt } : {}) });
    });
  }

  /** The process's id while it runs (for the log, and for tests that stop it as a crash would). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Stops the process of every engine (server shutdown, tests). */
  static stopAll(): void {
    for (const engine of WhisperEngine.#engines.values()) engine.#stop('the server is stopping');
    WhisperEngine.#engines.clear();
  }

  #start(): Promise<void> {
    const threads = this.options.threads ?? Math.max(1, Math.min(4, Math.floor((globalThis.navigator?.hardwareConcurrency ?? 2) / 2)));
    const script = workerScript(this.options.nativeDir);
    const child = forkScript(script, [this.options.nativeDir ?? '', String(threads)], { purpose: 'speech', env: this.options.env });
    this.#child = child;
    this.#stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const loaded = new Promise<void>((resolve, reject) => {
      child.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') return resolve();
        if (reply.type === 'result') return this.#settle(reply.id, (pending) => pending.resolve(reply.text));
        const error = new Error(reply.message);
        if (reply.id === undefined) return reject(error);
        this.#settle(reply.id, (pending) => pending.reject(error));
      });
      child.on('exit', (code, signal) => {
        const why = new Error(`the local recognizer's process stopped (${signal ?? `exit code ${code}`})${this.#lastError()}`);
        reject(why);
        if (this.#child === child) this.#forget(why);
      });
      child.on('error', (error) => {
        reject(error);
        this.#forget(error);
      });
    });
    this.#send(child, { type: 'load', model: this.model });
    this.#touch();
    const ready = loaded.catch((error: unknown) => {
      // The next turn tries again from a new process.
      this.#stop('the model did not load');
      throw error;
    });
    return ready;
  }

  #send(child: ChildProcess, request: WorkerRequest): void {
    child.send(request, (error) => {
      if (error) this.log.warn('The local recognizer could not be sent a turn', { error: errorMessage(error) });
    });
  }

  #settle(id: number, act: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    act(pending);
  }

  /** The process is gone: every turn waiting for it fails, and the next one starts another. */
  #forget(error: Error): void {
    this.#child = undefined;
    this.#ready = undefined;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #stop(why: string): void {
    const child = this.#child;
    if (!child) return;
    this.log.info('The local recognizer is stopping', { why });
    this.#forget(new Error(`the local recognizer stopped: ${why}`));
    child.kill('SIGKILL');
  }

  /** A turn came: the idle stop waits again. */
  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#stop('no turn for a while'), this.options.idleMs ?? 600_000);
    this.#idle.unref();
  }

  /** whisper.cpp's last error line, for the message of a process that died. */
  #lastError(): string {
    const line = this.#stderr
      .split('\n')
      .reverse()
      .find((text) => /error|failed|abort/i.test(text));
    return line ? `: ${line.trim()}` : '';
  }
}
