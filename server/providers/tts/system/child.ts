/**
 * Running a local speech program: through the one spawn helper (no shell, so the text is one
 * argument and never parsed; an allow-listed environment, never a key), killed at once when its
 * signal aborts, and reaped before `exited` settles, so a cleared clause leaves no process behind.
 */
import type { Readable } from 'node:stream';
import { spawnChild } from '../../../process/spawn';

export interface RunningProgram {
  readonly stdout: Readable;
  readonly pid: number | undefined;
  /** Stops it at once (SIGKILL); harmless once it has exited. */
  kill(): void;
  /** Settles once the process has exited and been reaped; rejects on failure or abort. */
  readonly exited: Promise<void>;
}

/** Last bytes of stderr kept for the error message. */
const STDERR_KEEP = 2048;

export interface ProgramOptions {
  /** Parley's environment; the program sees only its allow-listed part. */
  env: NodeJS.ProcessEnv;
  /** Paths the program reads its input from or writes to (never a secret). */
  extraEnv?: Record<string, string>;
  signal: AbortSignal;
  name: string;
}

export function startProgram(program: string, args: readonly string[], options: ProgramOptions): RunningProgram {
  const child = spawnChild(program, args, { purpose: 'speech', env: options.env, extraEnv: options.extraEnv, signal: options.signal });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  const exited = new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    child.once('error', (error) => {
      failure = error;
      // A program that never started emits no 'close' of its own on every platform.
      if (child.pid === undefined) reject(error);
    });
    child.once('close', (code, signal) => {
      if (failure) return reject(failure);
      if (code === 0) return resolve();
      const how = code === null ? `was killed (${signal})` : `exited with code ${code}`;
      reject(new Error(`${options.name} ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
  });
  return { stdout: child.stdout, pid: child.pid, exited, kill: () => child.kill('SIGKILL') };
}
