/**
 * Busy production modules without tests: the files most of the repository depends on (by
 * PageRank) or that change most, which no test imports. A regression there reaches many callers
 * before anyone notices.
 *
 * Only production code is a candidate: not tests, examples, fixtures, scripts, benchmarks, docs,
 * vendored or generated code (the scan already leaves out most of the last two), declaration
 * files or configuration. A file counts as tested when a test file imports it, as the import
 * graph resolves it, or imports a barrel (index.ts, __init__.py) that imports it, or a JS/TS
 * file that passes on what it imports from it (`export … from`, or importing names and exporting
 * them: the test then calls the file's code under another module's name). Where the
 * language tests without imports, its own rule applies: a Go package is tested by any _test.go
 * file in its folder, a Rust file by its own #[cfg(test)] module, a Java or C# class by tests in
 * its package or namespace (the resolver gives those edges), a C or C++ source by a test that
 * includes its header. Ruby and PHP imports are not resolved, so there a test file named after
 * the file is all there is to go on, and the finding says it is a guess.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import type { ReviewFinding } from '../../../protocol/review';
import { isTestFile } from '../imports/graph';
import { isParsed } from '../languages';
import type { Definition } from '../symbols/types';
import type { RepoFacts } from './facts';
import { finding, plural } from './finding';

const BUSY_SHARE = 0.1;
const MIN_BUSY = 3;
const MAX_REPORTED = 8;

export { isTestFile };

/** Folders of code that is not the product: examples, fixtures, scripts, benchmarks, docs, vendored copies. */
const NOT_PRODUCT_DIR =
  /(^|\/)(examples?|samples?|demos?|fixtures?|__fixtures__|__mocks__|testdata|test-data|scripts?|bench|benches|benchmarks?|docs?|vendor|vendored|third[_-]?party|e2e)\//i;
/** Declarations, generated code, and configuration or build scripts (esbuild.mjs, build.rs), by name. */
const NOT_PRODUCT_FILE =
  /\.d\.[cm]?ts$|\.pb\.go$|_pb2(_grpc)?\.pyi?$|[._]generated\.\w+$|\.config\.[cm]?[jt]s$|^\.[\w-]+rc\.[cm]?[jt]s$|^(setup|conftest|noxfile|fabfile)\.py$|^build\.rs$|^(esbuild|build|webpack|rollup|gulpfile)\.[cm]?[jt]s$|^(jest|vitest)\.setup\.[cm]?[jt]s$|^[Gg]runtfile\.js$|^[Gg]ulpfile\.[cm]?js$/;

/** Code a maintainer ships: what the untested check judges. */
export function isProductionFile(path: string): boolean {
  return !isTestFile(path) && !NOT_PRODUCT_DIR.test(path) && !NOT_PRODUCT_FILE.test(posix.basename(path));
}

/** `foo` for foo.ts, foo.test.ts, test_foo.py, FooTest.java, foo_test.go. */
function stem(path: string): string {
  return basename(path)
    .replace(/\.[^.]+$/, '')
    .replace(/([._-](test|spec)s?|Tests?)$/, '')
    .replace(/^test_/, '')
    .toLowerCase();
}

const BARREL = /^(index\.[cm]?[jt]sx?|__init__\.py)$/;
const C_SOURCE = /\.(c|cc|cpp|cxx)$/;
const C_HEADER = /\.(h|hh|hpp|hxx)$/;
/** Languages whose imports Parley does not resolve: tests are matched to files by name. */
const BY_NAME = new Set(['ruby', 'php']);

/** How a file is known to be tested, or how its test was looked for. */
interface Testedness {
  tested: boolean;
  /** Judged by file names only (Ruby, PHP). */
  byName: boolean;
}

/** Decides, for each production file, whether a test exercises it, by the rules in the header. */
function testJudge(facts: RepoFacts, tests: string[]): { imported: Set<string>; tested: (path: string, language: string | undefined) => Testedness } {
  const imported = new Set<string>();
  const visit = (to: string) => {
    if (imported.has(to)) return;
    imported.add(to);
    if (BARREL.test(posix.basename(to))) for (const next of facts.imports.edges.get(to)?.keys() ?? []) visit(next);
  };
  for (const targets of facts.imports.edges.values()) for (const edge of targets.values()) if (edge.test && !edge.containment) visit(edge.to);
  const goTestDirs = new Set(tests.filter((path) => path.endsWith('_test.go')).map(posix.dirname));
  const includedHeaders = new Set([...imported].filter((path) => C_HEADER.test(path)).map((path) => stem(path)));
  const testStems = new Set(tests.map(stem));
  const rustTestModule = (path: string) => (facts.symbols(path).imports ?? []).some((s) => s.test && (s.kind === 'inline' || s.kind === 'module'));
  const tested = (path: string, language: string | undefined): Testedness => {
    if (language && BY_NAME.has(language)) return { tested: testStems.has(stem(path)), byName: true };
    const found =
      imported.has(path) ||
      (path.endsWith('.go') && goTestDirs.has(posix.dirname(path))) ||
      (path.endsWith('.rs') && rustTestModule(path)) ||
      (C_SOURCE.test(path) && includedHeaders.has(stem(path)));
    return { tested: found, byName: false };
  };
  return { imported, tested };
}

/**
 * Code worth a test: what runs (functions, methods, classes with a method in them), not types,
 * constants, or a class that only names an error (`class AnamException extends Error {}`).
 */
function behaviours(facts: RepoFacts, path: string): Definition[] {
  const defs = facts.symbols(path).defs;
  const runs = (def: Definition) => def.kind === 'function' || def.kind === 'method';
  const hasCode = (cls: Definition) => cls.endLine === undefined || defs.some((def) => runs(def) && def.line > cls.line && def.line <= cls.endLine!);
  return defs.filter((def) => runs(def) || (def.kind === 'class' && hasCode(def)));
}

function hasBehaviour(facts: RepoFacts, path: string): boolean {
  return behaviours(facts, path).length > 0;
}

function dependents(facts: RepoFacts): Map<string, number> {
  const count = new Map<string, number>();
  // A Rust `mod a;` declares a module; it is no use of it.
  for (const targets of facts.imports.edges.values())
    for (const edge of targets.values()) if (!edge.containment) count.set(edge.to, (count.get(edge.to) ?? 0) + 1);
  return count;
}

interface BusyFile {
  path: string;
  why: string;
}

function busyFiles(facts: RepoFacts, sources: string[]): BusyFile[] {
  const used = dependents(facts);
  const byRank = sources.filter((path) => (used.get(path) ?? 0) > 0).sort((a, b) => (facts.rank.get(b) ?? 0) - (facts.rank.get(a) ?? 0) || (a < b ? -1 : 1));
  const top = Math.max(MIN_BUSY, Math.ceil(sources.length * BUSY_SHARE));
  const busy = new Map<string, string>();
  byRank
    .slice(0, top)
    .forEach((path, index) =>
      busy.set(path, `it is the #${index + 1} most central file of ${sources.length} (${plural(used.get(path)!, 'file uses', 'files use')} it)`),
    );
  const churn = facts.churn;
  if (churn) {
    const byChurn = sources
      .filter((path) => (churn.files.get(path)?.commits ?? 0) >= 3)
      .sort((a, b) => churn.files.get(b)!.commits - churn.files.get(a)!.commits);
    for (const path of byChurn.slice(0, top)) {
      const changed = `it changed in ${plural(churn.files.get(path)!.commits, 'commit')} over the last ${churn.days} days`;
      busy.set(path, busy.has(path) ? `${busy.get(path)} and ${changed}` : changed);
    }
  }
  return [...busy].map(([path, why]) => ({ path, why }));
}

/**
 * Where a repository without tests should start: its busiest file. A few independent scripts have
 * no busy file (none uses another, none changed often), so there it is the one with the most code.
 */
function firstToTest(facts: RepoFacts, sources: string[]): { path: string; reason: string } {
  const busiest = busyFiles(facts, sources)[0];
  if (busiest) return { path: busiest.path, reason: `the busiest module, ${busiest.path} (${busiest.why})` };
  const count = (path: string) => behaviours(facts, path).length;
  const path = [...sources].sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1))[0]!;
  return { path, reason: `${path} (no file uses another, and it defines the most code: ${plural(count(path), 'function or class', 'functions and classes')})` };
}

/** Why no test covers `path`, in the terms its language's rule uses. */
function noTest(path: string, byName: boolean): string {
  if (byName)
    return `yet no test file is named after it. Parley does not resolve ${path.endsWith('.php') ? 'PHP' : 'Ruby'} requires, so this is judged by file names only: a test under another name would not be seen`;
  const rule = path.endsWith('.go')
    ? ', and its folder has no _test.go file'
    : path.endsWith('.rs')
      ? ', and it has no #[cfg(test)] module of its own'
      : C_SOURCE.test(path)
        ? ', nor its header'
        : '';
  return `yet no test file imports it${rule}; a regression here reaches its callers unnoticed. Judged from the import graph: a test that reaches it only through another module is not counted`;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const JS_FILE = /\.(m|c)?(t|j)sx?$/;

/** The local names a JS/TS `import … from 'specifier'` binds: `{ a, b as c }`, a default, `* as ns`. */
function importedNames(source: string, specifier: string): string[] {
  const statement = new RegExp(`import\\s+(?:type\\s+)?([^;'"]*?)\\s+from\\s*['"]${escaped(specifier)}['"]`, 'g');
  return [...source.matchAll(statement)].flatMap((match) =>
    match[1]!
      .replace(/[{}]/g, ',')
      .split(',')
      .map((part) =>
        part
          .trim()
          .replace(/^type\s+/, '')
          .replace(/^\*\s+as\s+/, ''),
      )
      .map((part) =>
        part
          .split(/\s+as\s+/)
          .pop()!
          .trim(),
      )
      .filter((name) => /^[\w$]+$/.test(name)),
  );
}

/** Whether a JS/TS file passes on what it imports from `specifier`: `export * from`, `export { a } from`, or `import { a } …; export { a }`. */
export function reExports(source: string, specifier: string): boolean {
  if (new RegExp(`export\\s+(?:type\\s+)?(?:\\*(?:\\s+as\\s+[\\w$]+)?|\\{[^}]*\\})\\s*from\\s*['"]${escaped(specifier)}['"]`).test(source)) return true;
  const names = new Set(importedNames(source, specifier));
  if (names.size === 0) return false;
  const exported = [...source.matchAll(/export\s*\{([^}]*)\}(?!\s*from)/g)].flatMap((match) =>
    match[1]!.split(',').map((part) =>
      part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0]!
        .trim(),
    ),
  );
  return exported.some((name) => names.has(name)) || [...names].some((name) => new RegExp(`export\\s+default\\s+${escaped(name)}\\b`).test(source));
}

/** Whether a file a test imports passes on `path`'s code: the test then exercises it under that file's name. */
async function testedThroughReExport(facts: RepoFacts, path: string, testedFiles: Set<string>): Promise<boolean> {
  if (!JS_FILE.test(path)) return false;
  for (const [from, targets] of facts.imports.edges) {
    const edge = targets.get(path);
    if (!edge || edge.test || !testedFiles.has(from) || !JS_FILE.test(from)) continue;
    const source = await readFile(join(facts.root, from), 'utf8').catch(() => '');
    if (reExports(source, edge.specifier)) return true;
  }
  return false;
}

export async function untestedModules(facts: RepoFacts): Promise<ReviewFinding[]> {
  const parsed = facts.files.filter((file) => isParsed(file.language));
  const tests = parsed.filter((file) => isTestFile(file.path)).map((file) => file.path);
  const production = parsed.filter((file) => isProductionFile(file.path) && hasBehaviour(facts, file.path));
  const sources = production.map((file) => file.path);
  if (sources.length === 0) return [];
  if (tests.length === 0) {
    const start = firstToTest(facts, sources);
    return [
      finding({
        file: start.path,
        line: 1,
        severity: 'warning',
        kind: 'untested',
        certainty: 'certain',
        key: 'no tests',
        title: 'No tests found in the repository',
        why: `None of the ${plural(sources.length, 'source file')} has a test beside it (no *.test.*, *_test.*, test_*.py or tests/ folder), so every change is verified by hand, if at all.`,
        fix: `Start with ${start.reason}: write tests for its main entry points and run them in CI.`,
      }),
    ];
  }
  const judge = testJudge(facts, tests);
  const languages = new Map(production.map((file) => [file.path, file.language]));
  const untested: (BusyFile & Testedness)[] = [];
  for (const busy of busyFiles(facts, sources)) {
    if (untested.length >= MAX_REPORTED) break;
    const judged = { ...busy, ...judge.tested(busy.path, languages.get(busy.path)) };
    if (!judged.tested && !(await testedThroughReExport(facts, busy.path, judge.imported))) untested.push(judged);
  }
  return untested.map(({ path, why, byName }) => {
    const entryPoints = behaviours(facts, path).slice(0, 3);
    return finding({
      file: path,
      line: entryPoints[0]?.line ?? 1,
      severity: byName ? 'information' : 'warning',
      kind: 'untested',
      certainty: byName ? 'heuristic' : 'likely',
      key: path,
      title: `Busy module without tests: ${path}`,
      why: `${why[0]!.toUpperCase()}${why.slice(1)}, ${noTest(path, byName)}.`,
      fix: `Add tests for its main entry points${entryPoints.length ? ` (${entryPoints.map((def) => def.name).join(', ')})` : ''}, next to the project's other tests.`,
    });
  });
}
