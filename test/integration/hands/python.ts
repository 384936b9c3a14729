/**
 * The Python the REPL tests use: the first of PARLEY_PYTHON, python3 on PATH and /usr/bin/python3
 * that has matplotlib (python3 on PATH may be a pyenv shim without it; scripts/hands-env.sh
 * installs Debian's for /usr/bin/python3). None → the tests fail saying so, never skip.
 */
import { spawnSync } from 'node:child_process';

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
