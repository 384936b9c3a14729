/**
 * Python imports resolved as the interpreter finds the repository's own modules: relative imports
 * from the file's package, absolute ones from the source roots (the repository, each project's
 * folder and its `src/`). `from p import x` means the submodule p.x when there is one, else p.
 */
import { posix } from 'node:path';
import type { ImportStatement } from './types';

export class PyResolver {
  private readonly roots: string[];

  constructor(private readonly files: Set<string>) {
    const projects = [...files].filter((path) => /(^|\/)(pyproject\.toml|setup\.py|setup\.cfg)$/.test(path)).map((path) => dirOf(path));
    this.roots = [...new Set(['', 'src', ...projects, ...projects.map((dir) => joinDir(dir, 'src'))])];
  }

  /** The files an import statement loads; none for the standard library and installed packages. */
  resolve(from: string, statement: ImportStatement): string[] {
    const dots = /^\.*/.exec(statement.specifier)![0].length;
    const rest = statement.specifier.slice(dots).split('.').filter(Boolean);
    const bases = dots > 0 ? [this.packageDir(from, dots)].filter((dir) => dir !== undefined) : this.roots;
    for (const base of bases) {
      const module = this.module(base, rest);
      if (module === undefined) continue;
      if (!statement.names) return [module];
      const submodules = statement.names.flatMap((name) => this.module(base, [...rest, ...name.split('.')]) ?? []);
      return submodules.length === statement.names.length && submodules.length > 0 ? submodules : [module, ...submodules];
    }
    return [];
  }

  /** The folder `dots` leading dots stand for, seen from `from`. */
  private packageDir(from: string, dots: number): string | undefined {
    let dir = dirOf(from);
    for (let level = 1; level < dots; level++) {
      if (dir === '') return undefined;
      dir = dirOf(dir);
    }
    return dir;
  }

  private module(base: string, parts: string[]): string | undefined {
    const path = joinDir(base, parts.join('/'));
    const candidates = parts.length === 0 ? [joinDir(base, '__init__.py')] : [`${path}.py`, `${path}.pyi`, `${path}/__init__.py`, `${path}/__init__.pyi`];
    return candidates.find((candidate) => this.files.has(candidate));
  }
}

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
const joinDir = (dir: string, path: string) => (dir && path ? `${dir}/${path}` : dir || path);
