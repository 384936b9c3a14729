/**
 * The one way Parley starts a program. Every child process (git, recorders, speech programs)
 * goes through here, so each one runs without a shell (arguments are never parsed), with the
 * allow-listed environment of its purpose (env.ts: no keys), hidden on Windows, and killed at
 * once when its signal aborts.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { childEnv, type ChildPurpose } from './env';

export interface ChildOptions {
  purpose: ChildPurpose;
  /** The environment to take the allow-listed variables from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Variables the program needs beyond its purpose's (never a secret: those names are dropped). */
  extraEnv?: Record<string, string>;
  signal?: AbortSignal;
  cwd?: string;
}

export type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Starts a program with stdin closed and stdout and stderr piped. */
export function spawnChild(program: string, args: readonly string[], options: ChildOptions): Child {
  return spawn(program, args, {
    env: childEnv(options.purpose, options.env, options.extraEnv),
    cwd: options.cwd,
    signal: options.signal,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
  });
}

export interface RunOptions extends ChildOptions {
  timeoutMs: number;
  maxBufferBytes: number;
}

/** Runs a program to its end and resolves with its stdout; rejects as execFile does (exit code, timeout, abort). */
export function runChild(program: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      {
        env: childEnv(options.purpose, options.env, options.extraEnv),
        cwd: options.cwd,
        signal: options.signal,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: options.maxBufferBytes,
        encoding: 'utf8',
        shell: false,
        windowsHide: true,
      },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}
