/**
 * The review's fixture repository with its planted problems, copied to a temporary folder and,
 * when asked, made a git repository whose history turns src/core/engine.ts into a change hotspot.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths';

export const PLANTED = join(REPO, 'test', 'fixtures', 'review', 'planted');
export const HOTSPOT_COMMITS = 5;

const GIT_ENV = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GIT_AUTHOR_NAME: 'Parley Test',
  GIT_AUTHOR_EMAIL: 'test@parley.invalid',
  GIT_COMMITTER_NAME: 'Parley Test',
  GIT_COMMITTER_EMAIL: 'test@parley.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: GIT_ENV, encoding: 'utf8', timeout: 20_000 });
}

/** Copies the fixture into `dir`; with `history`, commits it and then changes the engine in several commits. */
export function plantRepository(dir: string, { history = true } = {}): string {
  cpSync(PLANTED, dir, { recursive: true });
  if (!history) return dir;
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'The planted repository');
  for (let change = 1; change <= HOTSPOT_COMMITS; change++) {
    appendFileSync(join(dir, 'src', 'core', 'engine.ts'), `// engine change ${change}\n`);
    git(dir, 'commit', '-q', '-am', `Engine change ${change}`);
  }
  return dir;
}
