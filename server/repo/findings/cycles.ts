/**
 * Dependency cycles: modules (folders) that use each other, and, inside one module, files that
 * do. A cycle between modules is the costlier kind: neither side can be understood, tested or
 * reused without the other, and every change may ripple around the loop.
 */
import type { RelatedLocation, ReviewFinding } from '../../../protocol/review';
import { cycles, moduleDependencies, moduleOf, shortestCycle, type DependencyEdge, type DependencyGraph } from './dependencies';
import type { RepoFacts } from './facts';
import { finding } from './finding';

const MAX_REPORTED = 10;

function describe(edges: DependencyEdge[]): string {
  return edges.map((edge) => `${edge.file}:${edge.line} uses ${edge.name} from ${edge.source}`).join('; ');
}

function related(edges: DependencyEdge[]): RelatedLocation[] {
  return edges.slice(1).map((edge) => ({ file: edge.file, line: edge.line, note: `uses ${edge.name} from ${edge.source}` }));
}

function moduleCycle(modules: DependencyGraph, component: string[]): ReviewFinding | undefined {
  const loop = shortestCycle(modules, component, component[0]!);
  const first = loop[0];
  if (!first) return undefined;
  const names = loop.map((edge) => edge.from);
  return finding({
    file: first.file,
    line: first.line,
    severity: 'warning',
    kind: 'cycle',
    title: `Dependency cycle between modules ${names.join(' → ')} → ${names[0]}`,
    why: `${component.length === names.length ? 'These modules' : `${component.length} modules`} depend on each other (${describe(loop)}), so none of them can be understood, tested or changed alone.`,
    fix: 'Break the loop: move what both sides share into a module they can both use, or turn one dependency around (the lower module takes a callback or an interface instead of importing the higher one).',
    related: related(loop),
  });
}

function fileCycle(files: DependencyGraph, component: string[]): ReviewFinding | undefined {
  const loop = shortestCycle(files, component, component[0]!);
  const first = loop[0];
  if (!first) return undefined;
  return finding({
    file: first.file,
    line: first.line,
    severity: 'information',
    kind: 'cycle',
    title: `Dependency cycle between files ${loop.map((edge) => edge.from).join(' → ')} → ${first.from}`,
    why: `These files in ${moduleOf(first.from)} use each other (${describe(loop)}); load order and initialisation then depend on who imports whom first, and neither file can be tested alone.`,
    fix: 'Move the shared definitions into a file both import, so the dependencies point one way.',
    related: related(loop),
  });
}

export function dependencyCycles(facts: RepoFacts): ReviewFinding[] {
  const modules = moduleDependencies(facts.dependencies);
  const moduleFindings = cycles(modules).flatMap((component) => moduleCycle(modules, component) ?? []);
  // File cycles that cross modules are already part of a module cycle; report only those inside one.
  const fileFindings = cycles(facts.dependencies)
    .flatMap((component) => {
      const byModule = new Map<string, string[]>();
      for (const file of component) byModule.set(moduleOf(file), [...(byModule.get(moduleOf(file)) ?? []), file]);
      return [...byModule.values()].filter((files) => files.length > 1);
    })
    .flatMap((files) => {
      const inside = restrict(facts.dependencies, files);
      return cycles(inside).flatMap((component) => fileCycle(inside, component) ?? []);
    });
  return [...moduleFindings, ...fileFindings].slice(0, MAX_REPORTED);
}

/** The graph between `files` only. */
function restrict(graph: DependencyGraph, files: string[]): DependencyGraph {
  const members = new Set(files);
  return new Map(files.map((file) => [file, new Map([...(graph.get(file) ?? [])].filter(([to]) => members.has(to)))]));
}
