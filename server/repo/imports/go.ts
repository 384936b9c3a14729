/**
 * Go imports resolved through the repository's go.mod files: an import path under a module's
 * path is that module's folder, and a package is every non-test .go file in its folder.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export class GoResolver {
  private readonly modules: { path: string; dir: string }[] = [];
  private readonly packages = new Map<string, string[]>();

  constructor(root: string, files: Set<string>) {
    for (const path of files) {
      if (posix.basename(path) === 'go.mod') {
        const module = /^\s*module\s+(\S+)/m.exec(readText(join(root, path)))?.[1];
        if (module) this.modules.push({ path: module.replace(/^"|"$/g, ''), dir: dirOf(path) });
      } else if (path.endsWith('.go') && !path.endsWith('_test.go')) {
        this.packages.set(dirOf(path), [...(this.packages.get(dirOf(path)) ?? []), path]);
      }
    }
    // The longest module path wins, as with nested modules.
    this.modules.sort((a, b) => b.path.length - a.path.length);
  }

  resolve(specifier: string): string[] {
    const module = this.modules.find(({ path }) => specifier === path || specifier.startsWith(`${path}/`));
    if (!module) return [];
    const rest = specifier.slice(module.path.length + 1);
    return this.packages.get(module.dir && rest ? `${module.dir}/${rest}` : module.dir || rest) ?? [];
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
