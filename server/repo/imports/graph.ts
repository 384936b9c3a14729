/**
 * The import graph: an edge from a file to each repository file it imports, resolved the way its
 * language resolves it (TypeScript/JavaScript, Python, Go, Rust, Java, C#, C/C++). Imports of
 * external packages are counted, never matched to local files, so a package's `Room` is never an
 * examples folder's `Room`.
 */
import { posix } from 'node:path';
import { mergeFlags, type DependencyEdge, type DependencyGraph } from '../findings/dependencies';
import type { FileSymbols } from '../symbols/types';
import { CSharpResolver } from './csharp';
import { GoResolver } from './go';
import { IncludeResolver } from './include';
import { JavaResolver, type ResolvedImport } from './java';
import { PyResolver } from './python';
import { RustResolver } from './rust';
import { TsResolver } from './typescript';
import type { ImportStatement, Resolved } from './types';

export interface ImportGraph {
  /** File → imported file, with the first import line as evidence. */
  edges: DependencyGraph;
  /** External packages by name, and how many files import each. */
  external: Map<string, number>;
  /** The external packages each file imports, by file (files importing none are absent). */
  packages: Map<string, string[]>;
  /** Relative or local-looking imports that name no file in the repository. */
  unresolved: { file: string; line: number; specifier: string }[];
}

const TEST_DIR = /(^|\/)(tests?|__tests__|specs?|testing)\//;
const TEST_NAME = /(\.|_|-)(test|spec)s?\.[^.]+$|^test_.*\.py$|_test\.go$|Tests?\.(java|kt|cs|php)$|_spec\.rb$/;

export function isTestFile(path: string): boolean {
  return TEST_DIR.test(path) || TEST_NAME.test(posix.basename(path));
}

const JS_LANGUAGE = /\.(m|c)?(t|j)sx?$/;
const C_LANGUAGE = /\.(c|h|cc|cpp|cxx|hh|hpp|hxx)$/;

/** Adds one import to `targets`: an edge is type-only or dynamic only when every import along it is. */
function addEdge(targets: Map<string, DependencyEdge>, from: string, to: string, statement: ImportStatement): void {
  const known = targets.get(to);
  const typeOnly = statement.typeOnly === true;
  const dynamic = statement.dynamic === true;
  const test = isTestFile(from) || statement.test === true;
  // A Rust `mod a;` builds the module tree: cycle detection reads it as containment, not use.
  const containment = statement.kind === 'module';
  if (!known) {
    targets.set(to, {
      from,
      to,
      file: from,
      line: statement.line,
      specifier: statement.specifier,
      target: to,
      uses: 1,
      typeOnly,
      dynamic,
      test,
      ...(containment ? { containment } : {}),
    });
    return;
  }
  known.uses++;
  // A `mod a;` says nothing about how the parent uses the child: the uses along the edge decide its flags.
  if (containment && !known.containment) return;
  if (known.containment && !containment) {
    Object.assign(known, { line: statement.line, specifier: statement.specifier, typeOnly, dynamic, test, containment: false });
    return;
  }
  const stronger = (known.typeOnly || known.dynamic || known.test) && !typeOnly && !dynamic && !test;
  if (stronger) Object.assign(known, { line: statement.line, specifier: statement.specifier });
  mergeFlags(known, { typeOnly, dynamic, test });
}

type Files = { path: string; symbols: FileSymbols }[];

/** The resolvers each language needs, built only when the repository has files in it. */
function resolvers(root: string, files: Files, paths: Set<string>) {
  const has = (pattern: RegExp) => files.some((file) => pattern.test(file.path));
  const statements = new Map(files.map((file) => [file.path, file.symbols.imports ?? []]));
  const withStatements = (pattern: RegExp) =>
    files.filter((file) => pattern.test(file.path)).map((file) => ({ path: file.path, statements: file.symbols.imports ?? [], defs: file.symbols.defs }));
  return {
    ts: new TsResolver(root, paths),
    py: new PyResolver(paths),
    go: new GoResolver(root, paths),
    rust: has(/\.rs$/) ? new RustResolver(root, paths, (path) => statements.get(path) ?? []) : undefined,
    java: has(/\.java$/) ? new JavaResolver(withStatements(/\.java$/)) : undefined,
    csharp: has(/\.cs$/) ? new CSharpResolver(withStatements(/\.cs$/), paths) : undefined,
    include: has(C_LANGUAGE) ? new IncludeResolver(root, paths) : undefined,
  };
}

/** Rust, Java, C# and C/C++ imports of one file, each with the files it loads. */
function nativeImports(
  path: string,
  symbols: FileSymbols,
  resolve: ReturnType<typeof resolvers>,
  graph: ImportGraph,
  externals: Set<string>,
): ResolvedImport[] {
  const statements = symbols.imports ?? [];
  if (path.endsWith('.java')) return resolve.java?.resolveFile(path, statements, symbols.refs) ?? [];
  if (path.endsWith('.cs')) return resolve.csharp?.resolveFile(path, statements, symbols.refs) ?? [];
  const resolver = path.endsWith('.rs') ? resolve.rust : C_LANGUAGE.test(path) ? resolve.include : undefined;
  if (!resolver) return [];
  return statements.map((statement) => {
    const resolved: Resolved = resolver.resolve(path, statement);
    if (resolved.external) externals.add(resolved.external);
    if (resolved.unresolved) graph.unresolved.push({ file: path, line: statement.line, specifier: statement.specifier });
    return { statement, files: resolved.files };
  });
}

export function buildImportGraph(root: string, files: Files): ImportGraph {
  const paths = new Set(files.map((file) => file.path));
  const resolve = resolvers(root, files, paths);
  const { ts, py, go } = resolve;
  const graph: ImportGraph = { edges: new Map(), external: new Map(), packages: new Map(), unresolved: [] };
  for (const { path, symbols } of files) {
    const targets = new Map<string, DependencyEdge>();
    const externals = new Set<string>();
    for (const statement of symbols.imports ?? []) {
      let resolved: string[];
      if (path.endsWith('.go')) resolved = go.resolve(statement.specifier).filter((to) => posix.dirname(to) !== posix.dirname(path));
      else if (/\.pyi?$/.test(path)) resolved = py.resolve(path, statement);
      else if (JS_LANGUAGE.test(path)) {
        const resolution = ts.resolve(path, statement.specifier);
        if ('external' in resolution) externals.add(resolution.external);
        else if ('unresolved' in resolution) graph.unresolved.push({ file: path, line: statement.line, specifier: statement.specifier });
        resolved = 'file' in resolution ? [resolution.file] : [];
      } else resolved = [];
      for (const to of resolved) if (to !== path) addEdge(targets, path, to, statement);
    }
    for (const { statement, files: resolved } of nativeImports(path, symbols, resolve, graph, externals))
      for (const to of resolved) if (to !== path) addEdge(targets, path, to, statement);
    for (const name of externals) graph.external.set(name, (graph.external.get(name) ?? 0) + 1);
    if (externals.size > 0) graph.packages.set(path, [...externals].sort());
    graph.edges.set(path, targets);
  }
  return graph;
}
