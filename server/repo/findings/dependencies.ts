/**
 * Which file uses which, and which module uses which, from the symbols: a file depends on another
 * when it refers to a name that only the other defines. Short or common names (`get`, `run`) say
 * little about a dependency and would invent cycles, so only distinctive names count: compound
 * ones (`parseConfig`, `read_file`), capitalised ones (types, classes, Go exports) and long ones.
 */
import type { FileSymbols } from '../symbols/types';

export interface DependencyEdge {
  /** Files, or modules in a module graph. */
  from: string;
  to: string;
  /** The first name used across the edge: where (`file`, `line`) and from which file it comes (`source`). */
  name: string;
  file: string;
  line: number;
  source: string;
  /** How many references from `from` land in `to`. */
  uses: number;
}

/** Edges by source, then by target. */
export type DependencyGraph = Map<string, Map<string, DependencyEdge>>;

const MIN_CAPITALISED_CHARS = 4;
const MIN_PLAIN_CHARS = 10;

export function isDistinctive(name: string): boolean {
  if (/^[A-Z][A-Za-z0-9]*$/.test(name)) return name.length >= MIN_CAPITALISED_CHARS && !/^[A-Z0-9_]+$/.test(name);
  if (/[a-z][A-Z]|[A-Za-z][_][A-Za-z]/.test(name)) return name.length >= 6;
  return name.length >= MIN_PLAIN_CHARS;
}

/** Names defined in exactly one file, and that file. */
function uniqueDefiners(files: { path: string; symbols: FileSymbols }[]): Map<string, string> {
  const definers = new Map<string, string | null>();
  for (const { path, symbols } of files) {
    for (const { name } of symbols.defs) {
      const known = definers.get(name);
      if (known === undefined) definers.set(name, path);
      else if (known !== path) definers.set(name, null);
    }
  }
  const unique = new Map<string, string>();
  for (const [name, path] of definers) if (path !== null && isDistinctive(name)) unique.set(name, path);
  return unique;
}

export function buildDependencies(files: { path: string; symbols: FileSymbols }[]): DependencyGraph {
  const definers = uniqueDefiners(files);
  const graph: DependencyGraph = new Map();
  for (const { path, symbols } of files) {
    const targets = new Map<string, DependencyEdge>();
    for (const { name, line } of symbols.refs) {
      const to = definers.get(name);
      if (!to || to === path) continue;
      const edge = targets.get(to);
      if (edge) edge.uses++;
      else targets.set(to, { from: path, to, name, file: path, line, source: to, uses: 1 });
    }
    graph.set(path, targets);
  }
  return graph;
}

/** A file's module: its folder, at most two levels deep (`server/repo/symbols/a.ts` → `server/repo`), or `.` at the root. */
export function moduleOf(path: string): string {
  const dirs = path.split('/').slice(0, -1);
  return dirs.length === 0 ? '.' : dirs.slice(0, 2).join('/');
}

/** The file graph folded onto modules; each module edge keeps its first file edge as evidence. */
export function moduleDependencies(graph: DependencyGraph): DependencyGraph {
  const modules: DependencyGraph = new Map();
  for (const [from, targets] of graph) {
    const source = moduleOf(from);
    const edges = modules.get(source) ?? new Map<string, DependencyEdge>();
    modules.set(source, edges);
    for (const edge of targets.values()) {
      const target = moduleOf(edge.to);
      if (target === source) continue;
      const known = edges.get(target);
      if (known) known.uses += edge.uses;
      else edges.set(target, { ...edge, from: source, to: target });
    }
  }
  return modules;
}

/**
 * Strongly connected components with more than one node (Tarjan's algorithm, iterative so a deep
 * chain of files cannot overflow the stack). Components and their nodes come in sorted order.
 */
export function cycles(graph: DependencyGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  const targetsOf = (node: string) => [...(graph.get(node)?.keys() ?? [])].sort();
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { node: string; targets: string[]; next: number }[] = [];
    const enter = (node: string) => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, targets: targetsOf(node), next: 0 });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      if (frame.next < frame.targets.length) {
        const target = frame.targets[frame.next++]!;
        if (!index.has(target)) enter(target);
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1) found.push(component.sort());
    }
  }
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** The shortest cycle through `start` inside `component`, as edges, by breadth-first search. */
export function shortestCycle(graph: DependencyGraph, component: string[], start: string): DependencyEdge[] {
  const members = new Set(component);
  const via = new Map<string, DependencyEdge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of [...(graph.get(node)?.values() ?? [])].sort((a, b) => (a.to < b.to ? -1 : 1))) {
      if (!members.has(edge.to) || via.has(edge.to)) continue;
      via.set(edge.to, edge);
      if (edge.to === start) return unwind(via, start);
      queue.push(edge.to);
    }
  }
  return [];
}

function unwind(via: Map<string, DependencyEdge>, start: string): DependencyEdge[] {
  const path: DependencyEdge[] = [];
  let node = start;
  do {
    const edge = via.get(node)!;
    path.unshift(edge);
    node = edge.from;
  } while (node !== start);
  return path;
}
