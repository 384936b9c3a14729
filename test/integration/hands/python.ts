/**
 * The Python the REPL tests use: the first of PARLEY_PYTHON, python3 on PATH and /usr/bin/python3
 * that has matplotlib (python3 on PATH may be a pyenv shim without it; scripts/hands-env.sh
 * installs Debian's for /usr/bin/python3). None → the tests fail saying so, never skip.
 */
import { spawnSync } from 'node:child_process';
import { after } from 'node:test';
import { Repl, type ReplOptions } from '../../../server/hands/repl';
import { tempDir } from '../../support/paths';

let found: string | undefined;

export function pythonWithMatplotlib(): string {
  if (found) return found;
  for (const python of [process.env.PARLEY_PYTHON, 'python3', '/usr/bin/python3']) {
    if (python && spawnSync(python, ['-c', 'import matplotlib'], { stdio: 'ignore' }).status === 0) return (found = python);
  }
  throw new Error('No Python with matplotlib: run scripts/hands-env.sh (Debian python3-matplotlib) or set PARLEY_PYTHON');
}

/** Whether a process is gone (a zombie counts as gone: it runs nothing and holds no memory). */
export function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return process.platform === 'linux' && / [ZX] /.test(stat.slice(stat.lastIndexOf(')')));
}

/** A test file's REPLs: each in one temporary workspace folder with that Python, all closed after the file. */
export function replsIn(name: string): (options: Partial<ReplOptions> & Pick<ReplOptions, 'language'>) => Repl {
  const dir = tempDir(name);
  const repls: Repl[] = [];
  after(async () => {
    await Promise.all(repls.map((repl) => repl.close()));
    dir.cleanup();
  });
  return (options) => {
    const made = new Repl({ cwd: dir.path, workspaceFolders: [dir.path], python: pythonWithMatplotlib(), ...options });
    repls.push(made);
    return made;
  };
}
