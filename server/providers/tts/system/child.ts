/**
 * Running a local speech program safely: no shell (the text is one argument, never parsed by a
 * shell), an allow-listed environment (never a key), killed at once when its signal aborts, and
 * reaped before `exited` settles, so a cleared clause leaves no process behind.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** What a speech program may see of Parley's environment; keys are never in it. */
export const CHILD_ENV_NAMES = ['PATH', 'HOME', 'LANG'] as const;
/** Windows needs these for PowerShell and .NET to start at all. */
const WINDOWS_ENV_NAMES = ['SystemRoot', 'windir', 'TEMP', 'TMP', 'USERPROFILE', 'PATHEXT', 'ComSpec'] as const;

export function childEnv(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}, platform = process.platform): NodeJS.ProcessEnv {
  const names: readonly string[] = platform === 'win32' ? [...CHILD_ENV_NAMES, ...WINDOWS_ENV_NAMES] : CHILD_ENV_NAMES;
  const picked: NodeJS.ProcessEnv = {};
  for (const name of names) if (env[name] !== undefined) picked[name] = env[name];
  return { ...picked, ...extra };
}

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

export function startProgram(program: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; signal: AbortSignal; name: string }): RunningProgram {
  const child = spawn(program, args, { env: options.env, signal: options.signal, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
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
