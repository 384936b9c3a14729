/**
 * How one module connects to the rest of the repository, for its review prompt: the modules it
 * imports and that import it (each with one import line as evidence), its files the rest of the
 * repository leans on most, the external packages it uses and the imports that name no file. All
 * of it comes from the resolved import graph, never from name matches.
 */
import { isStrong, moduleDependencies, moduleOf, type DependencyEdge, type DependencyGraph } from '../findings/dependencies';
import type { RepoFacts } from '../findings/facts';

const MAX_MODULES = 8;
const MAX_FILES = 5;
const MAX_PACKAGES = 12;
const MAX_UNRESOLVED = 5;

/** The module graph of one review, folded once for all of its module prompts. */
const folded = new WeakMap<DependencyGraph, DependencyGraph>();

function modulesOf(facts: RepoFacts): DependencyGraph {
  let modules = folded.get(facts.imports.edges);
  if (!modules) {
    modules = moduleDependencies(facts.imports.edges);
    folded.set(facts.imports.edges, modules);
  }
  return modules;
}

/** What kind of dependency an edge is when it is not an ordinary one. */
function qualifier(edge: DependencyEdge): string {
  if (isStrong(edge)) return '';
  if (edge.test) return ', from tests only';
  if (edge.typeOnly) return ', types only';
  return ', loaded when code runs';
}

function describe(edge: DependencyEdge, other: string): string {
  return `${other} (${edge.uses} ${edge.uses === 1 ? 'import' : 'imports'}${qualifier(edge)}; e.g. ${edge.file}:${edge.line} imports ${edge.target})`;
}

function byUses(a: DependencyEdge, b: DependencyEdge): number {
  return Number(isStrong(b)) - Number(isStrong(a)) || b.uses - a.uses || (a.from + a.to < b.from + b.to ? -1 : 1);
}

function listed(items: string[], max: number): string[] {
  if (items.length === 0) return ['- (none)'];
  return [...items.slice(0, max).map((item) => `- ${item}`), ...(items.length > max ? [`- … and ${items.length - max} more`] : [])];
}

/** The prompt section for `module`: plain lines, each a fact the model can check against the code shown. */
export function moduleConnections(facts: RepoFacts, module: string): string {
  const modules = modulesOf(facts);
  const uses = [...(modules.get(module)?.values() ?? [])].sort(byUses).map((edge) => describe(edge, edge.to));
  const usedBy = [...modules.values()]
    .flatMap((targets) => targets.get(module) ?? [])
    .sort(byUses)
    .map((edge) => describe(edge, edge.from));

  const importers = new Map<string, { inside: number; outside: number }>();
  const packages = new Map<string, number>();
  for (const [from, targets] of facts.imports.edges) {
    for (const edge of targets.values()) {
      if (moduleOf(edge.to) !== module || edge.containment) continue;
      const count = importers.get(edge.to) ?? { inside: 0, outside: 0 };
      if (moduleOf(from) === module) count.inside++;
      else count.outside++;
      importers.set(edge.to, count);
    }
    if (moduleOf(from) !== module) continue;
    for (const name of facts.imports.packages.get(from) ?? []) packages.set(name, (packages.get(name) ?? 0) + 1);
  }
  const central = [...importers]
    .sort(([a, x], [b, y]) => y.outside - x.outside || y.inside - x.inside || (a < b ? -1 : 1))
    .map(
      ([path, { inside, outside }]) => `${path} (imported by ${inside + outside} ${inside + outside === 1 ? 'file' : 'files'}, ${outside} outside the module)`,
    );
  const external = [...packages]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([name, files]) => `${name} (in ${files} ${files === 1 ? 'file' : 'files'})`);
  const unresolved = facts.imports.unresolved
    .filter(({ file }) => moduleOf(file) === module)
    .map(({ file, line, specifier }) => `${file}:${line} \`${specifier}\``);

  return [
    'Modules it imports:',
    ...listed(uses, MAX_MODULES),
    'Modules that import it:',
    ...listed(usedBy, MAX_MODULES),
    'Its most imported files:',
    ...listed(central, MAX_FILES),
    'External packages (or system headers) it imports:',
    ...listed(external, MAX_PACKAGES),
    ...(unresolved.length > 0 ? ['Imports that name no file in the repository:', ...listed(unresolved, MAX_UNRESOLVED)] : []),
  ].join('\n');
}
