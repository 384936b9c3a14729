/**
 * The repository the repo and review suites measure: a real, TypeScript-heavy code base made of
 * the .ts and .js files of a few packages in node_modules, copied into a fresh git repository.
 * Folders named dist/, build/, out/ and node_modules/ are renamed, or the scanner would skip them
 * as vendored and the corpus would shrink to a fraction.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../test/support/paths';

const PACKAGES = ['openai', '@anthropic-ai/sdk', '@typescript-eslint', 'eslint'];
const SOURCE = /\.(ts|js)$/;
const RENAMED_DIRS: Record<string, string> = { dist: 'lib', build: 'lib', out: 'lib', node_modules: 'deps' };

function walk(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, found);
    else if (entry.isFile() && SOURCE.test(entry.name) && !entry.name.endsWith('.min.js')) found.push(path);
  }
  return found;
}

/** The corpus as a git repository of its own, with one commit and a clean work tree. */
export function buildCorpus(root: string): void {
  const modules = join(REPO, 'node_modules');
  for (const pkg of PACKAGES) {
    for (const file of walk(join(modules, pkg))) {
      const target = join(
        root,
        file
          .slice(modules.length + 1)
          .split('/')
          .map((part) => RENAMED_DIRS[part] ?? part)
          .join('/'),
      );
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file, target);
    }
  }
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=bench@parley', '-c', 'user.name=bench', 'commit', '-qm', 'corpus');
}
