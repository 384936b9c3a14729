/**
 * The reference graph: one node per file, an edge from a file that uses a name to each file that
 * defines it. Weights follow Aider's repo map, which has been tuned on real use: names that are
 * long and compound (`parseConfigFile`) say far more about a dependency than short ones (`get`),
 * private-looking names and names defined all over the repository say less, and repeated use
 * counts with diminishing returns (square root).
 *
 * Names are interned to numbers once, when a file's symbols arrive, so rebuilding the graph after
 * an edit is integer work over arrays rather than string lookups.
 */
import type { Definition, FileSymbols } from './symbols/types';

/** Every name the index has seen, numbered; it only grows, like a repository's vocabulary. */
export class NameTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  find(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** The table's own copy of `name`: files share it instead of each keeping the copy it arrived with. */
  intern(name: string): string {
    return this.names[this.id(name)]!;
  }
}

/** What the graph needs from one file, computed once when its symbols arrive. */
export interface FileNode {
  path: string;
  defs: Definition[];
  /** The name id of each definition, parallel to `defs`. */
  defIds: Int32Array;
  /** Distinct referenced name ids in first-use order, and how often each is used. */
  refIds: Int32Array;
  refCounts: Int32Array;
}

export function fileNode(path: string, symbols: FileSymbols, names: NameTable): FileNode {
  const ids = Int32Array.from(symbols.refs.names, (name) => names.id(name));
  const counts = new Map<number, number>();
  for (let k = 0; k < symbols.refs.uses.length; k += 2) {
    const id = ids[symbols.refs.uses[k]!]!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const defIds = Int32Array.from(symbols.defs, (def) => names.id(def.name));
  return { path, defs: symbols.defs, defIds, refIds: Int32Array.from(counts.keys()), refCounts: Int32Array.from(counts.values()) };
}

/**
 * The graph in factored form. Aider's multigraph has an edge from every referencing file to every
 * defining file of a name, which grows as referencers × definers: 930,000 edges on a 3,700-file
 * repository. All edges from one file for one name carry the same weight, so the graph is stored
 * as (file, ident, weight) reference pairs plus each ident's definers, and PageRank sums over
 * idents instead of edges. The ranks are exactly those of the multigraph.
 */
export interface ReferenceGraph {
  /** Node i is files[i]; files are sorted by path so ranks never depend on parse order. */
  files: FileNode[];
  /** Idents are names both defined and referenced, numbered in first-reference order. */
  idents: string[];
  /** A name id's ident, or -1. */
  identOf: Int32Array;
  /** Files defining ident k: definerFiles[definerStart[k] .. definerStart[k + 1]). */
  definerStart: Int32Array;
  definerFiles: Int32Array;
  /** One entry per (referencing file, ident): the weight of each of its edges before a request's focus and mentions. */
  refFile: Int32Array;
  refIdent: Int32Array;
  refWeight: Float64Array;
  /** Edges of the equivalent multigraph. */
  edges: number;
  definitions: number;
  references: number;
}

const LONG_NAME_CHARS = 8;
const WIDELY_DEFINED_FILES = 5;

/** camelCase, snake_case or kebab-case and at least eight characters. */
function isCompoundName(name: string): boolean {
  return name.length >= LONG_NAME_CHARS && (/[a-z][A-Z]/.test(name) || /[A-Za-z][_-][A-Za-z]/.test(name));
}

export function identWeight(name: string, definers: number): number {
  let weight = isCompoundName(name) ? 10 : 1;
  if (name.startsWith('_')) weight *= 0.1;
  if (definers > WIDELY_DEFINED_FILES) weight *= 0.1;
  return weight;
}

/** Calls `visit` once per distinct name a file defines. */
function eachDefinedName(file: FileNode, seen: Int32Array, mark: number, visit: (id: number) => void): void {
  for (const id of file.defIds) {
    if (seen[id] === mark) continue;
    seen[id] = mark;
    visit(id);
  }
}

function definerCounts(files: FileNode[], nameCount: number): Int32Array {
  const counts = new Int32Array(nameCount);
  const seen = new Int32Array(nameCount).fill(-1);
  files.forEach((file, index) => eachDefinedName(file, seen, index, (id) => counts[id]!++));
  return counts;
}

/** Numbers the idents in first-reference order over the sorted files. */
function numberIdents(files: FileNode[], definers: Int32Array): { identOf: Int32Array; identNames: number[] } {
  const identOf = new Int32Array(definers.length).fill(-1);
  const identNames: number[] = [];
  for (const file of files) {
    for (const id of file.refIds) {
      if (definers[id]! > 0 && identOf[id] === -1) identOf[id] = identNames.push(id) - 1;
    }
  }
  return { identOf, identNames };
}

function definerLists(files: FileNode[], identOf: Int32Array, identNames: number[], definers: Int32Array) {
  const definerStart = new Int32Array(identNames.length + 1);
  identNames.forEach((id, ident) => (definerStart[ident + 1] = definerStart[ident]! + definers[id]!));
  const definerFiles = new Int32Array(definerStart[identNames.length]!);
  const filled = definerStart.slice(0, -1);
  const seen = new Int32Array(identOf.length).fill(-1);
  files.forEach((file, index) =>
    eachDefinedName(file, seen, index, (id) => {
      if (identOf[id]! >= 0) definerFiles[filled[identOf[id]!]!++] = index;
    }),
  );
  return { definerStart, definerFiles };
}

/** The weight of one use of each ident, before the square root of the use count. */
function identWeights(identNames: number[], names: NameTable, definers: Int32Array): Float64Array {
  return Float64Array.from(identNames, (id) => identWeight(names.names[id]!, definers[id]!));
}

/** Builds the graph over `files`, which must be sorted by path. */
export function buildGraph(files: FileNode[], names: NameTable): ReferenceGraph {
  const definers = definerCounts(files, names.names.length);
  const { identOf, identNames } = numberIdents(files, definers);
  const { definerStart, definerFiles } = definerLists(files, identOf, identNames, definers);
  const weightOf = identWeights(identNames, names, definers);
  const pairs = { file: [] as number[], ident: [] as number[], weight: [] as number[] };
  let references = 0;
  let edges = 0;
  for (let index = 0; index < files.length; index++) {
    const { refIds, refCounts } = files[index]!;
    for (let at = 0; at < refIds.length; at++) {
      references += refCounts[at]!;
      const ident = identOf[refIds[at]!]!;
      if (ident < 0) continue;
      pairs.file.push(index);
      pairs.ident.push(ident);
      pairs.weight.push(weightOf[ident]! * Math.sqrt(refCounts[at]!));
      edges += definers[refIds[at]!]!;
    }
  }
  return {
    files,
    idents: identNames.map((id) => names.names[id]!),
    identOf,
    definerStart,
    definerFiles,
    refFile: Int32Array.from(pairs.file),
    refIdent: Int32Array.from(pairs.ident),
    refWeight: Float64Array.from(pairs.weight),
    edges,
    definitions: files.reduce((sum, file) => sum + file.defs.length, 0),
    references,
  };
}
