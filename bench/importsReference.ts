/**
 * Reference import graphs from each language's own tools, for bench/imports.ts. Each producer
 * runs the tool on a tree that was fetched beforehand (no network here) and returns the edges it
 * sees, at the level the tool knows them:
 *
 * - C/C++: every `#include` line of every source and header, resolved by `gcc -MM -MG` (the
 *   preprocessor's own search: beside the file, then the -I flags given, system headers left out)
 *   with the including file's folder as gcc's current folder. Each line is resolved alone, so an
 *   include under an `#if` counts as it does in Parley's graph; what is compared is the search.
 * - Python: the standard library's modulefinder (bench/imports_reference.py) over the source roots.
 * - Go: `go list -e -json ./...` (Imports, TestImports, XTestImports), package folder to package
 *   folder. Its requirements cannot be downloaded here, so it runs with a go.mod stripped to the
 *   module line (`-modfile`): the repository's own packages still resolve, the others fail alone.
 * - Java: javac compiles the source root, then `jdeps -verbose:class` lists the classes each class
 *   uses in its bytecode; nested classes count as their file.
 * - Rust: no tool gives `use` edges without building the crates' dependencies, which cannot be
 *   fetched here. `rustc --emit=dep-info` (all features on, `--cfg test`) still writes which files
 *   each crate root's `mod` tree holds, for the targets `cargo metadata --offline --no-deps` lists.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';

export type Edges = Set<string>;
export const edgeOf = (from: string, to: string) => `${from} -> ${to}`;

function walk(root: string, keep: (path: string) => boolean, dir = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) found.push(...walk(root, keep, path));
    else if (keep(path)) found.push(path);
  }
  return found;
}

export const C_FILE = /\.(c|h|cc|cpp|cxx|hh|hpp|hxx)$/;
const INCLUDE_LINE = /^\s*#\s*include\s*([<"][^>"]+[>"])/gm;

/** The header gcc loads for one `#include` line of `file`, or undefined for a system or missing one. */
function gccInclude(root: string, file: string, line: string, flags: string[]): string | undefined {
  const language = /\.(c|h)$/.test(file) ? 'c' : 'c++';
  const result = spawnSync('gcc', ['-MM', '-MG', '-x', language, ...flags, '-'], { cwd: join(root, dirname(file)), input: `${line}\n`, encoding: 'utf8' });
  const deps = result.stdout.replace(/\\\n/g, ' ').split(':').slice(1).join(':').trim().split(/\s+/).filter(Boolean);
  const first = deps[0];
  if (!first) return undefined;
  const path = relative(root, resolve(root, dirname(file), first))
    .split('\\')
    .join('/');
  return !path.startsWith('..') && existsSync(join(root, path)) ? path : undefined;
}

export function cReference(root: string, flags: string[]): { edges: Edges; files: string[] } {
  const absolute = flags.map((flag) => flag.replace(/^-I(?!\/)(.+)$/, (_, dir: string) => `-I${join(root, dir)}`));
  const files = walk(root, (path) => C_FILE.test(path));
  const edges: Edges = new Set();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'latin1');
    for (const match of text.matchAll(INCLUDE_LINE)) {
      const to = gccInclude(root, file, `#include ${match[1]}`, absolute);
      if (to && to !== file) edges.add(edgeOf(file, to));
    }
  }
  return { edges, files };
}

export function pythonReference(root: string, sourceRoots: string[]): Edges {
  const output = execFileSync('python3', [join(__dirname, 'imports_reference.py'), root, ...sourceRoots], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const { edges } = JSON.parse(output) as { edges: [string, string][] };
  return new Set(edges.map(([from, to]) => edgeOf(from, to)));
}

/** Concatenated JSON objects, as `go list -json` prints them. */
function jsonStream(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' && depth++ === 0) start = at;
    else if (char === '}' && --depth === 0) values.push(JSON.parse(text.slice(start, at + 1)));
  }
  return values;
}

interface GoPackage {
  ImportPath: string;
  Dir: string;
  Imports?: string[];
  TestImports?: string[];
  XTestImports?: string[];
}

/** Package folder → package folder edges, from `go list`. */
export function goReference(root: string): Edges {
  const module = /^\s*module\s+(\S+)/m.exec(readFileSync(join(root, 'go.mod'), 'utf8'))![1]!;
  const scratch = mkdtempSync(join(tmpdir(), 'parley-go-'));
  try {
    writeFileSync(join(scratch, 'go.mod'), `module ${module}\n\ngo 1.19\n`);
    const result = spawnSync('go', ['list', '-e', '-json', `-modfile=${join(scratch, 'go.mod')}`, './...'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOPATH: join(scratch, 'gopath'), GOCACHE: join(scratch, 'cache') },
    });
    const packages = jsonStream(result.stdout) as GoPackage[];
    const dirOf = new Map(packages.map((pkg) => [pkg.ImportPath, posix.normalize(relative(root, pkg.Dir)) || '.']));
    const edges: Edges = new Set();
    for (const pkg of packages) {
      for (const target of [...(pkg.Imports ?? []), ...(pkg.TestImports ?? []), ...(pkg.XTestImports ?? [])]) {
        const to = dirOf.get(target);
        if (to !== undefined && to !== dirOf.get(pkg.ImportPath)) edges.add(edgeOf(dirOf.get(pkg.ImportPath)!, to));
      }
    }
    return edges;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** File → file edges from the classes javac compiled and jdeps read back. */
export function javaReference(root: string, sourceRoot: string): Edges {
  const scratch = mkdtempSync(join(tmpdir(), 'parley-java-'));
  try {
    const sources = walk(join(root, sourceRoot), (path) => path.endsWith('.java')).map((path) => join(root, sourceRoot, path));
    writeFileSync(join(scratch, 'sources.txt'), sources.join('\n'));
    execFileSync('javac', ['-proc:none', '-nowarn', '-encoding', 'UTF-8', '-d', join(scratch, 'classes'), `@${join(scratch, 'sources.txt')}`], {
      stdio: 'ignore',
    });
    const output = execFileSync('jdeps', ['-verbose:class', '-filter:none', join(scratch, 'classes')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const fileOf = (name: string) => {
      const path = posix.join(sourceRoot, `${name.replace(/\$.*$/, '').replace(/\./g, '/')}.java`);
      return existsSync(join(root, path)) ? path : undefined;
    };
    const edges: Edges = new Set();
    for (const match of output.matchAll(/^\s+(\S+)\s+->\s+(\S+)\s+classes$/gm)) {
      const from = fileOf(match[1]!);
      const to = fileOf(match[2]!);
      if (from && to && from !== to) edges.add(edgeOf(from, to));
    }
    return edges;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface CargoTarget {
  kind: string[];
  src_path: string;
  edition: string;
}

/** Each crate root Cargo lists → the repository files rustc reads for it. */
export function rustReference(root: string): Map<string, string[]> {
  const metadata = JSON.parse(
    execFileSync('cargo', ['metadata', '--offline', '--no-deps', '--format-version', '1'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 }),
  ) as {
    packages: { features: Record<string, unknown>; targets: CargoTarget[] }[];
  };
  const scratch = mkdtempSync(join(tmpdir(), 'parley-rust-'));
  const crates = new Map<string, string[]>();
  try {
    for (const pkg of metadata.packages) {
      const features = Object.keys(pkg.features).flatMap((feature) => ['--cfg', `feature="${feature}"`]);
      for (const target of pkg.targets) {
        const crateRoot = relative(root, target.src_path).split('\\').join('/');
        const depInfo = join(scratch, `${crates.size}.d`);
        const type = target.kind.includes('lib') || target.kind.includes('proc-macro') ? 'lib' : 'bin';
        spawnSync(
          'rustc',
          ['--edition', target.edition, '--crate-type', type, '--cfg', 'test', ...features, '--emit', 'dep-info', '-o', depInfo, target.src_path],
          { stdio: 'ignore' },
        );
        const first = existsSync(depInfo) ? readFileSync(depInfo, 'utf8').split('\n')[0]! : '';
        const files = first
          .slice(first.indexOf(':') + 1)
          .trim()
          .split(/\s+/)
          .filter(Boolean);
        const inTree = files.map((file) => relative(root, resolve(root, file)).split('\\').join('/')).filter((file) => !file.startsWith('..'));
        // include_str! and include_bytes! files are listed too; the module tree is the .rs files.
        crates.set(
          crateRoot,
          inTree.filter((file) => file.endsWith('.rs')),
        );
      }
    }
    return crates;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
