/**
 * Import cycles: modules (folders) that import each other, and files that do, from the import
 * graph. Each strongly connected component is reported once, with its size and the shortest cycle
 * through it as the example, each step an import line. A cycle the code needs at load time ranks
 * above one that only exists through type-only, dynamic or test imports.
 *
 * Two kinds of edge make no cycle between modules:
 * - A module and a folder above or below it (`server` and `server/conversation`) are not two
 *   modules that can depend on each other: the files directly in `server/` are the parent's own
 *   shared code (its log, its settings), and its subfolders are its parts. Parts using the
 *   parent's helpers while the parent wires up its parts is how a folder tree is layered, so
 *   those edges are left out of the module graph. Files that really do import each other across
 *   such folders are still an import cycle, and are reported as one between the files.
 * - A Rust `mod child;` is the parent declaring its child (containment, see `DependencyEdge`), so
 *   a child's `use super::X` back is no loop. The same goes for a parent's `use` of its own
 *   descendants' items: lib.rs defining `Error` for its modules and `pub use glob::Glob` to
 *   publish theirs is how a crate is laid out, and rustc compiles the crate as one unit. So a Rust
 *   file's edges down into its own module folder are left out, and a Rust loop must run between
 *   modules that do not contain each other (two siblings using each other).
 * Test fixtures are inputs planted for tests (often cycles on purpose): loops among them are left out.
 */
import { posix } from 'node:path';
import type { RelatedLocation, ReviewFinding } from '../../../protocol/review';
import { cycles, isNested, isStrong, moduleDependencies, moduleOf, shortestCycle, type DependencyEdge, type DependencyGraph } from './dependencies';
import type { RepoFacts } from './facts';
import { finding, plural } from './finding';

const MAX_REPORTED = 10;
/** Starting points tried for the shortest cycle of a large component. */
const MAX_STARTS = 200;

function step(edge: DependencyEdge): string {
  const kind = edge.typeOnly ? 'imports types from' : edge.dynamic ? 'loads' : 'imports';
  return `${edge.file}:${edge.line} ${kind} ${edge.target} ('${edge.specifier}')`;
}

function related(edges: DependencyEdge[]): RelatedLocation[] {
  return edges.slice(1).map((edge) => ({ file: edge.file, line: edge.line, note: step(edge).slice(`${edge.file}:${edge.line} `.length) }));
}

/** The graph between `nodes` only, optionally keeping only the edges `keep` accepts. */
function restrict(graph: DependencyGraph, nodes: string[], keep: (edge: DependencyEdge) => boolean = () => true): DependencyGraph {
  const members = new Set(nodes);
  return new Map(nodes.map((node) => [node, new Map([...(graph.get(node) ?? [])].filter(([to, edge]) => members.has(to) && keep(edge)))]));
}

/** The shortest cycle in a component, preferring one made of load-time production imports. */
function example(graph: DependencyGraph, component: string[]): { loop: DependencyEdge[]; strong: boolean } {
  const strong = restrict(graph, component, isStrong);
  for (const [candidate, isStrongLoop] of [
    [strong, true],
    [graph, false],
  ] as const) {
    let best: DependencyEdge[] = [];
    for (const start of component.slice(0, MAX_STARTS)) {
      const loop = shortestCycle(candidate, component, start);
      if (loop.length > 0 && (best.length === 0 || loop.length < best.length)) best = loop;
      if (best.length === 2) break;
    }
    if (best.length > 0) return { loop: best, strong: isStrongLoop };
  }
  return { loop: [], strong: false };
}

function weakness(loop: DependencyEdge[]): string {
  const kinds = [
    loop.some((edge) => edge.test) && 'a test file',
    loop.some((edge) => edge.typeOnly) && 'type-only imports',
    loop.some((edge) => edge.dynamic) && 'imports made when code runs',
  ].filter(Boolean);
  return ` The loop exists only through ${kinds.join(' and ')}, so nothing breaks at load time; it still ties the files together.`;
}

interface Ranked {
  strong: boolean;
  size: number;
  finding: ReviewFinding;
}

/** What one cycle finding says, given its example loop: its title, why it matters and the fix. */
interface CycleWords {
  /** Which kind of cycle, so a module loop and a file loop through the same names stay two findings. */
  key: 'modules' | 'files';
  title(names: string[], first: DependencyEdge): string;
  why(names: string[], steps: string, strong: boolean): string;
  fix: string;
}

/** One component of `graph` as a finding: its shortest loop (load-time first) as the example, its size for ranking. */
function cycleFinding(graph: DependencyGraph, component: string[], words: CycleWords): Ranked | undefined {
  const { loop, strong } = example(graph, component);
  const first = loop[0];
  if (!first) return undefined;
  const names = loop.map((edge) => edge.from);
  return {
    strong,
    size: component.length,
    finding: finding({
      file: first.file,
      line: first.line,
      severity: strong ? 'warning' : 'information',
      kind: 'cycle',
      certainty: 'certain',
      key: `${words.key}\0${[...new Set(names)].sort().join('\0')}`,
      title: `${words.title(names, first)}${strong ? '' : ' (not at load time)'}`,
      why: `${words.why(names, loop.map(step).join('; '), strong)}${strong ? '' : weakness(loop)}`,
      fix: words.fix,
      related: related(loop),
    }),
  };
}

function moduleCycle(modules: DependencyGraph, component: string[]): Ranked | undefined {
  return cycleFinding(modules, component, {
    key: 'modules',
    title: (names) => `Dependency cycle between modules ${names.join(' → ')} → ${names[0]}`,
    why: (names, steps) => {
      const others = component.length > names.length ? ` (${plural(component.length, 'module')} import each other in all)` : '';
      return `These modules import each other${others}: ${steps}. None of them can be understood, tested or changed alone.`;
    },
    fix: 'Break the loop: move what both sides share into a module they can both use, or turn one dependency around (the lower module takes a callback or an interface instead of importing the higher one).',
  });
}

type Family = 'load-order' | 'compiled' | 'go' | 'include';

/** How the loop's language treats an import cycle between files, from the first file it knows. */
function familyOf(names: string[]): Family | undefined {
  for (const name of names) {
    if (/\.(m|c)?(t|j)sx?$|\.pyi?$/.test(name)) return 'load-order';
    if (name.endsWith('.go')) return 'go';
    if (/\.(c|h|cc|cpp|cxx|hh|hpp|hxx)$/.test(name)) return 'include';
    if (/\.(rs|java|cs|kt|scala)$/.test(name)) return 'compiled';
  }
  return undefined;
}

/** What a load-time loop between files costs, in the terms of the files' language. */
const LOOP_COST: Record<Family, string> = {
  'load-order': ' Load order and initialisation then depend on who imports whom first, and none can be tested alone.',
  compiled:
    ' The compiler takes the loop as a whole, so nothing breaks at load time, but none of these files can be understood, changed or tested without the others.',
  go: ' `go build` refuses packages that import each other, so where this loop does not run through test files it holds only across build constraints (files for different platforms), or the packages do not build.',
  include:
    " An include cycle: only the include guards stop the recursion, so whichever header is included first sees the other's declarations missing, and whether a file compiles depends on the order of its includes.",
};

/** `in src`, or `across src and src/c` for a loop through a folder and its subfolders. */
function where(files: string[]): string {
  const modules = [...new Set(files.map(moduleOf))].sort();
  if (modules.length === 1) return `in ${modules[0]}`;
  const named = modules.length > 3 ? [...modules.slice(0, 2), `${modules.length - 2} more`] : modules;
  return `across ${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}

function fileCycle(files: DependencyGraph, component: string[]): Ranked | undefined {
  return cycleFinding(files, component, {
    key: 'files',
    title: (names) => `Import cycle of ${plural(component.length, 'file')} ${where(component)}: ${names.join(' → ')} → ${names[0]}`,
    why: (names, steps, strong) => {
      const cost = familyOf(names);
      return `${component.length === names.length ? 'These files import each other' : `${plural(component.length, 'file')} import each other; the shortest loop is`}: ${steps}.${strong && cost ? LOOP_COST[cost] : ''}`;
    },
    fix: 'Move the shared definitions into a file both import, so the imports point one way.',
  });
}

/** `graph` without the edges `drop` names. */
function without(graph: DependencyGraph, drop: (edge: DependencyEdge) => boolean): DependencyGraph {
  return new Map([...graph].map(([node, targets]) => [node, new Map([...targets].filter(([, edge]) => !drop(edge)))]));
}

const FIXTURE = /(^|\/)(fixtures?|__fixtures__|testdata|test-data)\//;

/** The folder a Rust file's child modules live in: its own folder for lib.rs, main.rs and mod.rs, else `a/` for `a.rs`. */
function rustChildren(path: string): string {
  const dir = posix.dirname(path);
  const prefix = dir === '.' ? '' : `${dir}/`;
  return /^(lib|main|mod)\.rs$/.test(posix.basename(path)) ? prefix : `${prefix}${posix.basename(path, '.rs')}/`;
}

/** A Rust file using an item of a module inside its own module tree (see the header). */
function isRustDescent(edge: DependencyEdge): boolean {
  return edge.from.endsWith('.rs') && edge.to.endsWith('.rs') && edge.to.startsWith(rustChildren(edge.from)) && edge.to !== edge.from;
}

export function dependencyCycles(facts: RepoFacts): ReviewFinding[] {
  const graph = without(facts.imports.edges, (edge) => edge.containment === true || isRustDescent(edge) || FIXTURE.test(edge.from) || FIXTURE.test(edge.to));
  const modules = without(moduleDependencies(graph), (edge) => isNested(edge.from, edge.to));
  const moduleComponents = cycles(modules);
  const moduleFindings = moduleComponents.flatMap((component) => moduleCycle(modules, component) ?? []);
  // A file edge between two modules of one module cycle is that cycle's evidence; every other
  // file loop (inside a module, or through a folder and its subfolders) is a file cycle.
  const cycleOf = new Map(moduleComponents.flatMap((component, index) => component.map((module) => [module, index] as const)));
  const explained = (edge: DependencyEdge) => {
    const [from, to] = [moduleOf(edge.from), moduleOf(edge.to)];
    return !isNested(from, to) && cycleOf.has(from) && cycleOf.get(from) === cycleOf.get(to);
  };
  const files = without(graph, explained);
  const fileFindings = cycles(files).flatMap((component) => fileCycle(files, component) ?? []);
  const rank = (a: Ranked, b: Ranked) => Number(b.strong) - Number(a.strong) || b.size - a.size;
  return [...moduleFindings.sort(rank), ...fileFindings.sort(rank)]
    .sort((a, b) => Number(b.strong) - Number(a.strong))
    .slice(0, MAX_REPORTED)
    .map((ranked) => ranked.finding);
}
