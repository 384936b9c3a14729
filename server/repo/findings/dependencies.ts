/**
 * Which file uses which, and which module uses which: the import graph (server/repo/imports/)
 * folded onto modules, and the cycles in either. Every edge is an import statement at a known line.
 */

export interface DependencyEdge {
  /** Files, or modules in a module graph. */
  from: string;
  to: string;
  /** The import statement across the edge: in which file, at which line, as written, and the file it loads. */
  file: string;
  line: number;
  specifier: string;
  target: string;
  /** How many imports from `from` land in `to`. */
  uses: number;
  /** Every import along the edge loads only types (`import type`, `if TYPE_CHECKING:`): no runtime dependency. */
  typeOnly: boolean;
  /** Every import along the edge happens when code runs (`import()`, a Python import in a function), not at load. */
  dynamic: boolean;
  /** The importing file is a test. */
  test: boolean;
  /**
   * Every import along the edge is a Rust `mod a;`: the parent declares its child module, which is
   * how the module tree is built, not a use of the child's code. A child's `use super::X` back is
   * then idiomatic, not a cycle, so cycle detection leaves these edges out.
   */
  containment?: boolean;
}

/** Edges by source, then by target. */
export type DependencyGraph = Map<string, Map<string, DependencyEdge>>;

/** An edge the code cannot load without: a runtime, load-time import in production code. */
export function isStrong(edge: DependencyEdge): boolean {
  return !edge.typeOnly && !edge.dynamic && !edge.test;
}

/** Folders that hold a package's sources rather than name a part of it. */
const SOURCE_ROOTS = new Set(['src', 'source', 'sources']);

/** `src` in `agents/src/voice`, but not in Maven's `src/main/java` (whose parts are packages, not folders of meaning). */
function isSourceRoot(dirs: string[], at: number): boolean {
  return SOURCE_ROOTS.has(dirs[at]!) && dirs[at + 1] !== 'main' && dirs[at + 1] !== 'test';
}

/**
 * A file's module: its folder down to the second folder that names a part (`server/repo/symbols/a.ts`
 * → `server/repo`), or `.` at the root. Source roots do not count as a level, so a package's
 * parts stay apart in a monorepo (`agents/src/voice/agent.ts` → `agents/src/voice`, as
 * `src/click/core.py` → `src/click`), while `packages/lib/src/index.ts` is still `packages/lib`.
 */
export function moduleOf(path: string): string {
  const dirs = path.split('/').slice(0, -1);
  let named = 0;
  let depth = 0;
  for (; depth < dirs.length && named < 2; depth++) if (!isSourceRoot(dirs, depth)) named++;
  return depth === 0 ? '.' : dirs.slice(0, depth).join('/');
}

/**
 * `a` and `b` are the same folder or one holds the other (`server` and `server/conversation`; the
 * root `.` holds every module).
 */
export function isNested(a: string, b: string): boolean {
  return a === b || a === '.' || b === '.' || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * Folds one more import's flags into an edge: the edge is type-only, dynamic or from tests only
 * when every import along it is. Types from one import and a load when code runs from another
 * still need nothing at load time, so such an edge counts as dynamic.
 */
export function mergeFlags(known: DependencyEdge, incoming: Pick<DependencyEdge, 'typeOnly' | 'dynamic' | 'test'>): void {
  const bothLate = (known.typeOnly || known.dynamic) && (incoming.typeOnly || incoming.dynamic);
  known.typeOnly &&= incoming.typeOnly;
  known.dynamic &&= incoming.dynamic;
  if (bothLate && !known.typeOnly) known.dynamic = true;
  known.test &&= incoming.test;
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
      if (!known) edges.set(target, { ...edge, from: source, to: target });
      else {
        known.uses += edge.uses;
        if (!isStrong(known) && isStrong(edge)) Object.assign(known, { ...edge, from: source, to: target, uses: known.uses });
        mergeFlags(known, edge);
        if (known.containment && !edge.containment) known.containment = false;
      }
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
