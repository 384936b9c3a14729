/**
 * Java imports resolved as javac finds a compilation unit's types among the repository's sources:
 * each file declares its package, and its public top-level type is named by its file name, so
 * `a.b.C` is the file `C.java` that declares `package a.b` (whatever source root it sits under:
 * src/main/java, src/test/java, src/). A single-type import or a static import names its class
 * (`a.b.C.Inner` and `a.b.C.member` lie in `a.b.C`), and so does a type written with its package
 * in code (`implements a.b.C`); an on-demand `a.b.*` imports only what the
 * file then uses, so it is an edge to each class of `a.b` whose simple name the file mentions.
 * Java needs no import for a class of the file's own package: those edges come from the names
 * the file mentions too (javac resolves a simple name to a single-type import first, then the own
 * package, then on-demand imports, and so does this). A name is only ever matched within the
 * packages the file can see, so an external `Room` is never a local one.
 */
import { posix } from 'node:path';
import { eachReference, type References } from '../symbols/types';
import type { ImportStatement } from './types';

export interface ResolvedImport {
  statement: ImportStatement;
  files: string[];
}

const simpleName = (path: string) => posix.basename(path).replace(/\.java$/, '');
const packageOf = (statements: ImportStatement[]) => statements.find((statement) => statement.kind === 'declaration')?.specifier ?? '';

/** The folder a file's package folders hang from (`src/main/java` for `src/main/java/a/b/C.java` in `a.b`), or its own folder. */
function sourceRoot(path: string, pkg: string): string {
  const dir = posix.dirname(path);
  const suffix = pkg.replace(/\./g, '/');
  if (!pkg) return dir;
  return dir === suffix ? '' : dir.endsWith(`/${suffix}`) ? dir.slice(0, -suffix.length - 1) : dir;
}

export class JavaResolver {
  /** Fully qualified class name → the files declaring it (more than one only across separate modules). */
  private readonly classes = new Map<string, string[]>();
  private readonly roots = new Map<string, string>();

  constructor(files: { path: string; statements: ImportStatement[] }[]) {
    for (const { path, statements } of files) {
      const pkg = packageOf(statements);
      const name = pkg ? `${pkg}.${simpleName(path)}` : simpleName(path);
      this.classes.set(name, [...(this.classes.get(name) ?? []), path]);
      this.roots.set(path, sourceRoot(path, pkg));
    }
  }

  /** Every import of one file with the files it loads, and the own-package classes it uses. */
  resolveFile(from: string, statements: ImportStatement[], refs: References): ResolvedImport[] {
    const pkg = packageOf(statements);
    const imports = statements.filter((statement) => statement.kind !== 'declaration');
    const resolved: ResolvedImport[] = [];
    const named = new Set<string>();
    for (const statement of imports) {
      if (statement.specifier.endsWith('.*') && statement.kind !== 'static') continue;
      const wildcard = statement.specifier.endsWith('.*');
      const type = this.classOf(statement.specifier.replace(/\.\*$/, ''), statement.kind === 'static' && !wildcard);
      if (statement.kind !== 'static' && statement.kind !== 'qualified') named.add(statement.specifier.split('.').at(-1)!);
      if (type) resolved.push({ statement, files: [this.closest(from, type)] });
    }
    const onDemand = imports.filter((statement) => statement.kind === undefined && statement.specifier.endsWith('.*'));
    for (const [name, line] of firstUses(refs)) {
      if (named.has(name)) continue;
      const own = this.classes.get(pkg ? `${pkg}.${name}` : name);
      if (own) {
        resolved.push({ statement: { specifier: pkg ? `${pkg}.${name}` : name, line }, files: [this.closest(from, own)] });
        continue;
      }
      for (const statement of onDemand) {
        const base = statement.specifier.slice(0, -2);
        // `import a.b.C.*` imports C's nested classes: C's file.
        const files = this.classes.get(`${base}.${name}`) ?? this.classes.get(base);
        if (files) resolved.push({ statement, files: [this.closest(from, files)] });
      }
    }
    return resolved;
  }

  /** The class a dotted name lies in: itself, or the longest prefix that is a class (nested classes, static members). */
  private classOf(name: string, member: boolean): string[] | undefined {
    const parts = name.split('.');
    for (let length = parts.length - (member ? 1 : 0); length > 0; length--) {
      const files = this.classes.get(parts.slice(0, length).join('.'));
      if (files) return files;
    }
    return undefined;
  }

  /** Of several files declaring one class, the one in the importer's own source root, else the one sharing most of its path. */
  private closest(from: string, files: string[]): string {
    const root = this.roots.get(from);
    const same = files.find((file) => this.roots.get(file) === root);
    if (same || files.length === 1) return same ?? files[0]!;
    const shared = (file: string) => {
      let length = 0;
      while (length < file.length && file[length] === from[length]) length++;
      return length;
    };
    return [...files].sort((a, b) => shared(b) - shared(a))[0]!;
  }
}

/** Each name a file mentions, with the line it is first mentioned on. */
export function firstUses(refs: References): Map<string, number> {
  const uses = new Map<string, number>();
  for (const { name, line } of eachReference(refs)) if (!uses.has(name) || uses.get(name)! > line) uses.set(name, line);
  return uses;
}
