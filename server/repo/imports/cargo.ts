/**
 * The crates of a Cargo repository, read from its Cargo.toml files as Cargo reads them: each
 * package's crate roots (the library, binaries, tests, examples, benches and build script, by
 * Cargo's default layout or the paths the manifest gives) and the dependencies it takes from the
 * repository itself (`path = …`, directly or through `workspace = true`). A dependency without a
 * path comes from a registry: external, whatever local crate shares its name.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'smol-toml';

export interface CargoPackage {
  dir: string;
  /** The library's crate name as code writes it (`my-lib` is `my_lib`). */
  crateName: string;
  edition: string;
  /** The library's root file, when the package has one. */
  lib?: string;
  /** Every other crate root: binaries, tests, examples, benches, the build script. */
  roots: string[];
  /** Crate names as code writes them → the package folder they come from, for dependencies in this repository. */
  localDependencies: Map<string, string>;
}

type Table = Record<string, unknown>;

const table = (value: unknown): Table => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Table) : {});
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const crateName = (name: string) => name.replace(/-/g, '_');
const dirOf = (path: string) => (posix.dirname(path) === '.' ? '' : posix.dirname(path));
const joined = (dir: string, path: string) => posix.normalize(dir ? `${dir}/${path}` : path).replace(/^\.\/?|\/$/g, '');

function readToml(root: string, path: string): Table | undefined {
  try {
    return parse(readFileSync(join(root, path), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every dependency table of a manifest: `[dependencies]`, dev and build ones, and the same under `[target.'cfg(…)']`. */
function dependencyTables(manifest: Table): Table[] {
  const kinds = ['dependencies', 'dev-dependencies', 'build-dependencies'];
  const targets = Object.values(table(manifest.target)).map(table);
  return [manifest, ...targets].flatMap((scope) => kinds.map((kind) => table(scope[kind])));
}

/** Cargo's automatic targets in a folder (`src/bin/*.rs`, `tests/*.rs`, `src/bin/x/main.rs` …). */
function autoTargets(files: Set<string>, dir: string, folder: string): string[] {
  const prefix = `${joined(dir, folder)}/`;
  return [...files].filter((path) => {
    if (!path.startsWith(prefix) || !path.endsWith('.rs')) return false;
    const rest = path.slice(prefix.length).split('/');
    return rest.length === 1 || (rest.length === 2 && rest[1] === 'main.rs');
  });
}

function targetPaths(manifest: Table, key: string): string[] {
  const targets = Array.isArray(manifest[key]) ? (manifest[key] as unknown[]) : [];
  return targets.flatMap((target) => text(table(target).path) ?? []);
}

function packageRoots(files: Set<string>, dir: string, manifest: Table): { lib?: string; roots: string[] } {
  const pkg = table(manifest.package);
  const has = (path: string) => files.has(path);
  const lib = joined(dir, text(table(manifest.lib).path) ?? 'src/lib.rs');
  const roots = ['bin', 'test', 'example', 'bench'].flatMap((key) => targetPaths(manifest, key).map((path) => joined(dir, path)));
  const auto = (flag: string) => pkg[flag] !== false;
  if (auto('autobins')) roots.push(joined(dir, 'src/main.rs'), ...autoTargets(files, dir, 'src/bin'));
  if (auto('autotests')) roots.push(...autoTargets(files, dir, 'tests'));
  if (auto('autoexamples')) roots.push(...autoTargets(files, dir, 'examples'));
  if (auto('autobenches')) roots.push(...autoTargets(files, dir, 'benches'));
  roots.push(joined(dir, typeof pkg.build === 'string' ? pkg.build : 'build.rs'));
  return { ...(has(lib) ? { lib } : {}), roots: [...new Set(roots)].filter((path) => has(path) && path !== lib) };
}

/** The workspace a package belongs to: the nearest manifest at or above it with a `[workspace]` table. */
function workspaceOf(manifests: Map<string, Table>, dir: string): { dir: string; workspace: Table } | undefined {
  for (let at: string | undefined = dir; at !== undefined; at = at === '' ? undefined : dirOf(at)) {
    const workspace = manifests.get(at)?.workspace;
    if (workspace) return { dir: at, workspace: table(workspace) };
  }
  return undefined;
}

function localDependencies(manifests: Map<string, Table>, dir: string, manifest: Table): Map<string, string> {
  const local = new Map<string, string>();
  const workspace = workspaceOf(manifests, dir);
  const shared = table(workspace?.workspace.dependencies);
  for (const dependencies of dependencyTables(manifest)) {
    for (const [name, spec] of Object.entries(dependencies)) {
      const own = text(table(spec).path);
      const inherited = table(spec).workspace === true && workspace ? text(table(shared[name]).path) : undefined;
      if (own !== undefined) local.set(crateName(name), joined(dir, own));
      else if (inherited !== undefined) local.set(crateName(name), joined(workspace!.dir, inherited));
    }
  }
  return local;
}

export function cargoPackages(root: string, files: Set<string>): CargoPackage[] {
  const manifests = new Map<string, Table>();
  for (const path of files) {
    if (posix.basename(path) !== 'Cargo.toml') continue;
    const manifest = readToml(root, path);
    if (manifest) manifests.set(dirOf(path), manifest);
  }
  const packages: CargoPackage[] = [];
  for (const [dir, manifest] of manifests) {
    const pkg = table(manifest.package);
    const name = text(table(manifest.lib).name) ?? text(pkg.name);
    if (!name) continue;
    const workspaceEdition = text(table(workspaceOf(manifests, dir)?.workspace.package).edition);
    const edition = text(pkg.edition) ?? (table(pkg.edition).workspace === true ? workspaceEdition : undefined) ?? '2015';
    packages.push({
      dir,
      crateName: crateName(name),
      edition,
      ...packageRoots(files, dir, manifest),
      localDependencies: localDependencies(manifests, dir, manifest),
    });
  }
  return packages;
}
