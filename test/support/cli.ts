/**
 * Runs the built `parley` command line as a user does, as a child process without blocking this
 * one, so a stand-in the test runs in this process can answer it.
 */
import { spawn } from 'node:child_process';
import { CLI_BIN } from './paths';

export interface ParleyRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunParleyOptions {
  /** Variables beyond PATH, which is all the run gets otherwise; these win over it. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kills the run after this long (default: never), so a hung command fails the test. */
  timeoutMs?: number;
  /** How it is killed then (default SIGTERM). */
  killSignal?: NodeJS.Signals;
}

/** Resolves once the run has ended and its output is all read. */
export function runParley(args: readonly string[], { env = {}, cwd, timeoutMs, killSignal }: RunParleyOptions = {}): Promise<ParleyRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { PATH: process.env.PATH, ...env }, cwd, timeout: timeoutMs, killSignal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
