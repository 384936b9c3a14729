/** universal-ctags, the baseline of the repository benches: installed with apt-get when it is missing and apt can. */
import { spawnSync } from 'node:child_process';

function hasCtags(): boolean {
  return spawnSync('ctags', ['--version'], { encoding: 'utf8' }).stdout?.includes('Universal Ctags') ?? false;
}

/** False when the baseline cannot run. */
export function ensureCtags(): boolean {
  if (hasCtags()) return true;
  console.log('universal-ctags is missing; trying apt-get install -y universal-ctags …');
  spawnSync('apt-get', ['install', '-y', 'universal-ctags'], { stdio: 'ignore' });
  return hasCtags();
}
