/**
 * Busy modules without tests: the files most of the repository depends on (by PageRank) or that
 * change most, which no test refers to. A regression there reaches many callers before anyone
 * notices.
 */
import { basename } from 'node:path';
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

/** `foo` for foo.ts, foo.test.ts, test_foo.py, FooTest.java, foo_test.go. */
function stem(path: string): string {
  return basename(path)
    .replace(/\.[^.]+$/, '')
    .replace(/([._-](test|spec)s?|Tests?)$/, '')
    .replace(/^test_/, '')
    .toLowerCase();
}

/** Code worth a test: what runs (functions, classes, methods), not types and constants. */
function behaviours(facts: RepoFacts, path: string): Definition[] {
  return facts.symbols(path).defs.filter((def) => def.kind === 'function' || def.kind === 'method' || def.kind === 'class');
}

function hasBehaviour(facts: RepoFacts, path: string): boolean {
  return behaviours(facts, path).length > 0;
}

function dependents(facts: RepoFacts): Map<string, number> {
  const count = new Map<string, number>();
  for (const targets of facts.imports.edges.values()) for (const to of targets.keys()) count.set(to, (count.get(to) ?? 0) + 1);
  return count;
}

function busyFiles(facts: RepoFacts, sources: string[]): { path: string; why: string }[] {
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

export function untestedModules(facts: RepoFacts): ReviewFinding[] {
  const parsed = facts.files.filter((file) => isParsed(file.language));
  const tests = parsed.filter((file) => isTestFile(file.path)).map((file) => file.path);
  const sources = parsed.filter((file) => !isTestFile(file.path) && hasBehaviour(facts, file.path)).map((file) => file.path);
  if (sources.length === 0) return [];
  if (tests.length === 0) {
    const start = firstToTest(facts, sources);
    return [
      finding({
        file: start.path,
        line: 1,
        severity: 'warning',
        kind: 'untested',
        title: 'No tests found in the repository',
        why: `None of the ${plural(sources.length, 'source file')} has a test beside it (no *.test.*, *_test.*, test_*.py or tests/ folder), so every change is verified by hand, if at all.`,
        fix: `Start with ${start.reason}: write tests for its main entry points and run them in CI.`,
      }),
    ];
  }
  const testedNames = new Set(tests.flatMap((path) => facts.symbols(path).refs.map((ref) => ref.name)));
  const testStems = new Set(tests.map(stem));
  const tested = (path: string) => testStems.has(stem(path)) || facts.symbols(path).defs.some((def) => testedNames.has(def.name));
  return busyFiles(facts, sources)
    .filter(({ path }) => !tested(path))
    .slice(0, MAX_REPORTED)
    .map(({ path, why }) => {
      const entryPoints = behaviours(facts, path).slice(0, 3);
      return finding({
        file: path,
        line: entryPoints[0]?.line ?? 1,
        severity: 'warning',
        kind: 'untested',
        title: `Busy module without tests: ${path}`,
        why: `${why[0]!.toUpperCase()}${why.slice(1)}, yet no test refers to anything it defines; a regression here reaches its callers unnoticed.`,
        fix: `Add tests for its main entry points${entryPoints.length ? ` (${entryPoints.map((def) => def.name).join(', ')})` : ''}, next to the project's other tests.`,
      });
    });
}
