/**
 * A repository that tries every way its own git configuration has to make git run a program:
 * core.fsmonitor, a filter (clean, smudge and long-running process), a textconv and an external
 * diff driver, diff.external, gpg.program under log.showSignature, core.hooksPath and the hooks
 * in .git/hooks, core.sshCommand and core.pager. Each of them points at one script that writes a
 * line to `ranLog` (with whether it saw a provider key) and passes its input through, so git's
 * own output stays usable. The repository has history, so a review finds a change hotspot.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, plantRepository } from './review-repo';

const HOOKS = ['post-index-change', 'pre-commit', 'post-checkout', 'reference-transaction', 'fsmonitor-watchman', 'pre-auto-gc'];

export interface HostileRepository {
  root: string;
  /** Where any program the repository managed to run wrote its line. */
  ranLog: string;
  /** The lines written so far: empty when nothing ran. */
  ran(): string[];
}

function script(path: string, ranLog: string): void {
  writeFileSync(path, `#!/bin/sh\necho "$0 $* key=\${ANTHROPIC_API_KEY:-none}" >> '${ranLog}'\ncat\n`);
  chmodSync(path, 0o755);
}

export function plantHostileRepository(dir: string): HostileRepository {
  const root = plantRepository(join(dir, 'hostile'));
  const ranLog = join(dir, 'ran.log');
  const evil = join(dir, 'evil.sh');
  script(evil, ranLog);
  writeFileSync(join(root, '.gitattributes'), '* filter=evil diff=evil\n');
  const config: Record<string, string> = {
    'core.fsmonitor': evil,
    'core.hooksPath': join(root, '.git', 'hooks'),
    'core.sshCommand': evil,
    'core.pager': evil,
    'filter.evil.clean': evil,
    'filter.evil.smudge': evil,
    'filter.evil.process': evil,
    'diff.evil.textconv': evil,
    'diff.evil.command': evil,
    'diff.external': evil,
    'log.showSignature': 'true',
    'gpg.program': evil,
  };
  for (const [name, value] of Object.entries(config)) git(root, 'config', name, value);
  mkdirSync(join(root, '.git', 'hooks'), { recursive: true });
  for (const hook of HOOKS) script(join(root, '.git', 'hooks', hook), ranLog);
  // Files whose stat no longer matches the index, so `git status` re-reads them through the filter.
  for (const file of ['README.md', 'src/core/engine.ts']) writeFileSync(join(root, file), readFileSync(join(root, file), 'utf8'));
  return { root, ranLog, ran: () => (existsSync(ranLog) ? readFileSync(ranLog, 'utf8').trim().split('\n').filter(Boolean) : []) };
}
