/**
 * Rust imports resolved as rustc builds a crate's module tree: from each crate root Cargo knows
 * (server/repo/imports/cargo.ts), `mod a;` loads `a.rs` or `a/mod.rs` beside the declaring file's
 * module folder (or the file a simple `#[path]` names), inline `mod a { … }` nests, and a `use`
 * path walks that tree from `crate`, `self`, `super` or a child module's name, as far as it names
 * modules; the item it ends at lives in the last module's file. A first segment that is neither a
 * module nor a crate of this repository the package depends on by path is an external crate.
 * A file no crate root reaches (no Cargo.toml, an orphan file) has no module position, and its
 * `use` statements resolve to nothing rather than to a guess.
 */
import { posix } from 'node:path';
import { cargoPackages, type CargoPackage } from './cargo';
import type { ImportStatement, Resolved } from './types';

interface Place {
  /** The crate root file. */
  crate: string;
  /** The module's path in its crate, `['a', 'b']` for `crate::a::b`. */
  path: string[];
  /** The folder its `mod x;` declarations look in. */
  dir: string;
}

interface Crate {
  pkg: CargoPackage;
  isLib: boolean;
}

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
const joined = (...parts: string[]) => posix.normalize(parts.filter(Boolean).join('/')).replace(/^\.\/?|\/$/g, '');
const key = (crate: string, path: string[]) => `${crate}|${path.join('::')}`;
const within = (statement: ImportStatement) => (statement.within ? statement.within.split('::') : []);
/** A `mod` declaration by where it is: the same name can be declared twice under different #[cfg]. */
const childKey = (statement: ImportStatement) => `${statement.within ?? ''}::${statement.specifier}@${statement.line}`;

export class RustResolver {
  private readonly crates = new Map<string, Crate>();
  private readonly libs = new Map<string, string>();
  /** crate|module path → the file the module is written in. */
  private readonly modules = new Map<string, string>();
  /** Each file's places: usually one, more when several crates `mod` the same file. */
  private readonly places = new Map<string, Place[]>();
  /** file → a `mod name;` in it (by childKey) → the file it loads. */
  private readonly children = new Map<string, Map<string, string>>();

  constructor(
    root: string,
    private readonly files: Set<string>,
    private readonly statementsOf: (path: string) => ImportStatement[],
  ) {
    const packages = cargoPackages(root, files);
    for (const pkg of packages) if (pkg.lib) this.libs.set(pkg.dir, pkg.lib);
    for (const pkg of packages) {
      for (const crate of [pkg.lib, ...pkg.roots]) {
        if (crate === undefined) continue;
        this.crates.set(crate, { pkg, isLib: crate === pkg.lib });
        this.walk(crate, { crate, path: [], dir: dirOf(crate) });
      }
    }
  }

  private walk(file: string, place: Place): void {
    const places = this.places.get(file) ?? [];
    if (places.some((known) => known.crate === place.crate && key('', known.path) === key('', place.path))) return;
    // Two `mod imp;` under different #[cfg] load different files for one module: both are the crate's, the first names it.
    if (!this.modules.has(key(place.crate, place.path))) this.modules.set(key(place.crate, place.path), file);
    this.places.set(file, [...places, place]);
    for (const statement of this.statementsOf(file)) {
      const path = [...place.path, ...within(statement), statement.specifier];
      if (statement.kind === 'inline') this.modules.set(key(place.crate, path), file);
      if (statement.kind !== 'module') continue;
      const child = this.moduleFile(file, place, statement);
      if (!child) continue;
      this.children.set(file, (this.children.get(file) ?? new Map<string, string>()).set(childKey(statement), child));
      // A file reached through #[path] or a mod.rs looks for its own children beside itself.
      const ownDir = statement.file || posix.basename(child) === 'mod.rs';
      this.walk(child, { crate: place.crate, path, dir: ownDir ? dirOf(child) : joined(place.dir, ...within(statement), statement.specifier) });
    }
  }

  /** The file `mod name;` loads: `#[path]` is relative to the declaring file's folder (or inline modules' folder), else name.rs or name/mod.rs. */
  private moduleFile(file: string, place: Place, statement: ImportStatement): string | undefined {
    if (statement.file) {
      const base = statement.within ? joined(place.dir, ...within(statement)) : dirOf(file);
      const path = joined(base, statement.file);
      return this.files.has(path) ? path : undefined;
    }
    const base = joined(place.dir, ...within(statement), statement.specifier);
    return [`${base}.rs`, `${base}/mod.rs`].find((path) => this.files.has(path));
  }

  /** The files of the crate whose root is `root`: the module tree `mod` declarations build from it. */
  crateFiles(root: string): string[] {
    return [...this.places].filter(([, places]) => places.some((place) => place.crate === root)).map(([file]) => file);
  }

  resolve(from: string, statement: ImportStatement): Resolved {
    if (statement.kind === 'inline') return { files: [] };
    const places = this.places.get(from) ?? [];
    if (statement.kind === 'module') {
      const child = this.children.get(from)?.get(childKey(statement));
      return child ? { files: [child] } : { files: [], unresolved: places.length > 0 };
    }
    const found = new Set<string>();
    let external: string | undefined;
    for (const place of places) {
      const result = this.usePath(place, [...place.path, ...within(statement)], statement.specifier.split('::'));
      if ('file' in result) found.add(result.file);
      else external ??= result.external;
    }
    return found.size > 0 ? { files: [...found] } : { files: [], ...(external ? { external } : {}) };
  }

  /** Where a `use` path lands, seen from module `current` of a crate. */
  private usePath(place: Place, current: string[], segments: string[]): { file: string } | { external: string } {
    const [first = '', ...rest] = segments;
    if (first === '') return this.viaCrate(place, rest);
    if (first === 'crate' || first === '$crate') return this.descend(place.crate, [], rest);
    if (first === 'self') return this.descend(place.crate, current, rest);
    if (first === 'super') {
      const supers = rest.findIndex((segment) => segment !== 'super');
      const up = supers < 0 ? rest.length : supers;
      const depth = current.length - 1 - up;
      return depth < 0 ? { external: '' } : this.descend(place.crate, current.slice(0, depth), rest.slice(up));
    }
    if (this.modules.has(key(place.crate, [...current, first]))) return this.descend(place.crate, current, segments);
    // `use Kind::*` names an item of this module (crates are snake_case): this file, no crate.
    if (/^[A-Z]/.test(first)) return this.descend(place.crate, current, []);
    // Before the 2018 edition, `use a::b` meant `crate::a::b`.
    const edition2015 = this.crates.get(place.crate)?.pkg.edition === '2015';
    if (edition2015 && this.modules.has(key(place.crate, [first]))) return this.descend(place.crate, [], segments);
    return this.viaCrate(place, segments);
  }

  /** A path whose first segment is a crate's name: this package's library, a path dependency, or an external crate. */
  private viaCrate(place: Place, [name = '', ...rest]: string[]): { file: string } | { external: string } {
    const crate = this.crates.get(place.crate);
    const ownLib = crate && !crate.isLib && crate.pkg.crateName === name ? crate.pkg.lib : undefined;
    const dependency = crate?.pkg.localDependencies.get(name);
    const lib = ownLib ?? (dependency !== undefined ? this.libs.get(dependency) : undefined);
    return lib ? this.descend(lib, [], rest) : { external: name };
  }

  /** Follows `segments` down the module tree from `base` as far as they name modules. */
  private descend(crate: string, base: string[], segments: string[]): { file: string } | { external: string } {
    const path = [...base];
    for (const segment of segments) {
      if (!this.modules.has(key(crate, [...path, segment]))) break;
      path.push(segment);
    }
    const file = this.modules.get(key(crate, path));
    return file ? { file } : { external: '' };
  }
}
