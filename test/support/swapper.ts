/**
 * A local process racing the file tools: it swaps a workspace file for a symlink to a file
 * outside, as fast as it can, while a test reads it. Renames keep `target` always present, one
 * moment a regular file, the next a symlink to the secret.
 */
import { spawn } from 'node:child_process';
import { waitFor } from './poll';

const SWAPPER = `
const { renameSync, symlinkSync, writeFileSync, rmSync } = require('node:fs');
const [target, secret, scratch, inside] = process.argv.slice(1);
for (let round = 0; ; round++) {
  rmSync(scratch + '.link', { force: true });
  symlinkSync(secret, scratch + '.link');
  renameSync(scratch + '.link', target);
  writeFileSync(scratch + '.file', inside);
  renameSync(scratch + '.file', target);
  if (round === 1) process.stdout.write('swapping\\n');
}
`;

export interface SwapperOptions {
  /** The file that is swapped. */
  target: string;
  /** The outside file the symlink points at. */
  secret: string;
  /** A path prefix for the swapper's own files, in the target's file system, so renames are atomic. */
  scratch: string;
  /** What the target holds when it is a regular file. */
  inside: string;
}

export interface Swapper {
  /** Ends the race and waits for the process to exit, so nothing writes into the folder afterwards. */
  stop(): Promise<void>;
}

/** Starts the swapping process and resolves once it has swapped both ways, so the reads meet a live race. */
export async function startSwapper({ target, secret, scratch, inside }: SwapperOptions): Promise<Swapper> {
  const child = spawn(process.execPath, ['-e', SWAPPER, target, secret, scratch, inside], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  };
  try {
    await waitFor(() => output.includes('swapping'), { what: 'the swapper to start' });
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
