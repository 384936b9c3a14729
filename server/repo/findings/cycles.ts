/**
 * Import cycles: modules (folders) that import each other, and, inside one module, files that do,
 * from the import graph. Each strongly connected component is reported once, with its size and
 * the shortest cycle through it as the example, each step an import line. A cycle the code needs
 * at load time ranks above one that only exists through type-only, dynamic or test imports.
 */
import type { RelatedLocation, ReviewFinding } from '../../../protocol/review';
import { cycles, isStrong, moduleDependencies, moduleOf, shortestCycle, type DependencyEdge, type DependencyGraph } from './dependencies';
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
      title: `${words.title(names, first)}${strong ? '' : ' (not at load time)'}`,
      why: `${words.why(names, loop.map(step).join('; '), strong)}${strong ? '' : weakness(loop)}`,
      fix: words.fix,
      related: related(loop),
    }),
  };
}

function moduleCycle(modules: DependencyGraph, component: string[]): Ranked | undefined {
  return cycleFinding(modules, component, {
    title: (names) => `Dependency cycle between modules ${names.join(' → ')} → ${names[0]}`,
    why: (names, steps) => {
      const others = component.length > names.length ? ` (${plural(component.length, 'module')} import each other in all)` : '';
      return `These modules import each other${others}: ${steps}. None of them can be understood, tested or changed alone.`;
    },
    fix: 'Break the loop: move what both sides share into a module they can both use, or turn one dependency around (the lower module takes a callback or an interface instead of importing the higher one).',
  });
}

function fileCycle(files: DependencyGraph, component: string[]): Ranked | undefined {
  return cycleFinding(files, component, {
    title: (names, first) => `Import cycle of ${plural(component.length, 'file')} in ${moduleOf(first.from)}: ${names.join(' → ')} → ${names[0]}`,
    why: (names, steps, strong) =>
      `${component.length === names.length ? 'These files import each other' : `${plural(component.length, 'file')} import each other; the shortest loop is`}: ${steps}.${strong ? ' Load order and initialisation then depend on who imports whom first, and none can be tested alone.' : ''}`,
    fix: 'Move the shared definitions into a file both import, so the imports point one way.',
  });
}

export function dependencyCycles(facts: RepoFacts): ReviewFinding[] {
  const graph = facts.imports.edges;
  const modules = moduleDependencies(graph);
  const moduleFindings = cycles(modules).flatMap((component) => moduleCycle(modules, component) ?? []);
  // File cycles that cross modules are part of a module cycle; inside one module each component is one finding.
  const fileFindings = cycles(graph)
    .flatMap((component) => {
      const byModule = new Map<string, string[]>();
      for (const file of component) byModule.set(moduleOf(file), [...(byModule.get(moduleOf(file)) ?? []), file]);
      return [...byModule.values()].filter((files) => files.length > 1);
    })
    .flatMap((files) => {
      const inside = restrict(graph, files);
      return cycles(inside).flatMap((component) => fileCycle(inside, component) ?? []);
    });
  const rank = (a: Ranked, b: Ranked) => Number(b.strong) - Number(a.strong) || b.size - a.size;
  return [...moduleFindings.sort(rank), ...fileFindings.sort(rank)]
    .sort((a, b) => Number(b.strong) - Number(a.strong))
    .slice(0, MAX_REPORTED)
    .map((ranked) => ranked.finding);
}
