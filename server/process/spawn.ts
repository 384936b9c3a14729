/**
 * The one way Parley starts a program. Every child process (git, recorders, speech programs)
 * goes through here, so each one runs without a shell (arguments are never parsed), with the
 * allow-listed environment of its purpose (env.ts: no keys), hidden on Windows, and killed at
 * once when its signal aborts.
 */
import { execFile, fork, spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
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

/**
 * Starts one of Parley's own scripts on the Node that runs the server (VS Code's, as Node), with
 * an IPC channel that carries Buffers, stdin closed and stdout and stderr piped. A bundled script
 * gets none of the server's flags; the TypeScript source (tests) gets the parent's loader.
 */
export function forkScript(script: string, args: readonly string[], options: ChildOptions): ChildProcess {
  const asNode: Record<string, string> = process.env.ELECTRON_RUN_AS_NODE ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  return fork(script, args, {
    env: childEnv(options.purpose, options.env, { ...asNode, ...options.extraEnv }),
    cwd: options.cwd,
    signal: options.signal,
    killSignal: 'SIGKILL',
    execArgv: script.endsWith('.js') ? [] : process.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    windowsHide: true,
  });
}

export interface GroupOptions extends ChildOptions {
  /** A fourth pipe (fd 3) for a control channel kept apart from the program's own output. */
  controlPipe?: boolean;
}

/**
 * Starts a program as the leader of a process group of its own (stdin closed, stdout and stderr
 * piped), so that the whole tree it starts can be stopped at once (hands/tree.ts). Nothing kills
 * it when the signal aborts: the caller stops the tree, not just its root.
 */
export function spawnGroup(program: string, args: readonly string[], options: GroupOptions): ChildProcess {
  return spawn(program, args, {
    env: childEnv(options.purpose, options.env, options.extraEnv),
    cwd: options.cwd,
    detached: true,
    stdio: options.controlPipe ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
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
