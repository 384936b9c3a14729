/**
 * The import graph: an edge from a file to each repository file it imports, resolved the way its
 * language resolves it (TypeScript/JavaScript, Python, Go). Imports of external packages are
 * counted, never matched to local files, so a package's `Room` is never an examples folder's `Room`.
 */
import { posix } from 'node:path';
import type { DependencyEdge, DependencyGraph } from '../findings/dependencies';
import type { FileSymbols } from '../symbols/types';
import { GoResolver } from './go';
import { PyResolver } from './python';
import { TsResolver } from './typescript';
import type { ImportStatement } from './types';

export interface ImportGraph {
  /** File → imported file, with the first import line as evidence. */
  edges: DependencyGraph;
  /** External packages by name, and how many files import each. */
  external: Map<string, number>;
  /** Relative or local-looking imports that name no file in the repository. */
  unresolved: { file: string; line: number; specifier: string }[];
}

const TEST_DIR = /(^|\/)(tests?|__tests__|specs?|testing)\//;
const TEST_NAME = /(\.|_|-)(test|spec)s?\.[^.]+$|^test_.*\.py$|_test\.go$|Tests?\.(java|kt|cs|php)$|_spec\.rb$/;

export function isTestFile(path: string): boolean {
  return TEST_DIR.test(path) || TEST_NAME.test(posix.basename(path));
}

const JS_LANGUAGE = /\.(m|c)?(t|j)sx?$/;

/** Adds one import to `targets`: an edge is type-only or dynamic only when every import along it is. */
function addEdge(targets: Map<string, DependencyEdge>, from: string, to: string, statement: ImportStatement): void {
  const known = targets.get(to);
  const typeOnly = statement.typeOnly === true;
  const dynamic = statement.dynamic === true;
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
      test: isTestFile(from),
    });
    return;
  }
  known.uses++;
  const stronger = (known.typeOnly || known.dynamic) && !typeOnly && !dynamic;
  if (stronger) Object.assign(known, { line: statement.line, specifier: statement.specifier });
  known.typeOnly &&= typeOnly;
  known.dynamic &&= dynamic;
}

export function buildImportGraph(root: string, files: { path: string; symbols: FileSymbols }[]): ImportGraph {
  const paths = new Set(files.map((file) => file.path));
  const ts = new TsResolver(root, paths);
  const py = new PyResolver(paths);
  const go = new GoResolver(root, paths);
  const graph: ImportGraph = { edges: new Map(), external: new Map(), unresolved: [] };
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
    for (const name of externals) graph.external.set(name, (graph.external.get(name) ?? 0) + 1);
    graph.edges.set(path, targets);
  }
  return graph;
}
