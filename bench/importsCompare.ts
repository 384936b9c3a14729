/**
 * Parley's import graph set against a reference graph (bench/importsReference.ts, or madge for
 * TypeScript) on a fetched tree: the edges both sides see, and the strongly connected components
 * (import cycles) of each. bench/imports.ts prints the edge-level table; bench/review.ts the
 * cycle agreement next to the review's own figures.
 */
import { spawnSync } from 'node:child_process';
import { join, posix } from 'node:path';
import { cycles, type DependencyEdge, type DependencyGraph } from '../server/repo/findings/dependencies';
import { gatherFacts, type RepoFacts } from '../server/repo/findings/facts';
import { RepoIndex } from '../server/repo/index';
import { RustResolver } from '../server/repo/imports/rust';
import { C_FILE, cReference, edgeOf, type Edges, goReference, javaReference, pythonReference, rustReference } from './importsReference';

export interface Comparison {
  repository: string;
  language: string;
  reference: string;
  ours: Edges;
  theirs: Edges;
}

export const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

/** A graph of plain edges, in the shape the review's cycle search takes. */
function graphOf(edges: Edges): DependencyGraph {
  const graph: DependencyGraph = new Map();
  for (const edge of edges) {
    const [from, to] = edge.split(' -> ') as [string, string];
    const plain: DependencyEdge = { from, to, file: from, line: 0, specifier: to, target: to, uses: 1, typeOnly: false, dynamic: false, test: false };
    graph.set(from, (graph.get(from) ?? new Map<string, DependencyEdge>()).set(to, plain));
    if (!graph.has(to)) graph.set(to, new Map());
  }
  return graph;
}

export interface Agreement {
  shared: number;
  precision: number;
  recall: number;
  ourComponents: Set<string>[];
  theirComponents: Set<string>[];
  /** Files in a component of ours, of theirs, and of both. */
  ourFiles: number;
  theirFiles: number;
  sharedFiles: number;
  /** Their components lying whole inside one of ours (cycle recall), and ours inside one of theirs (cycle precision). */
  theirsInOurs: number;
  oursInTheirs: number;
}

export function agreement({ ours, theirs }: Comparison): Agreement {
  const shared = [...ours].filter((edge) => theirs.has(edge)).length;
  const ourComponents = cycles(graphOf(ours)).map((component) => new Set(component));
  const theirComponents = cycles(graphOf(theirs)).map((component) => new Set(component));
  const within = (inner: Set<string>, outer: Set<string>[]) => outer.some((component) => [...inner].every((file) => component.has(file)));
  const inOurs = new Set(ourComponents.flatMap((component) => [...component]));
  const inTheirs = new Set(theirComponents.flatMap((component) => [...component]));
  return {
    shared,
    precision: ratio(shared, ours.size),
    recall: ratio(shared, theirs.size),
    ourComponents,
    theirComponents,
    ourFiles: inOurs.size,
    theirFiles: inTheirs.size,
    sharedFiles: [...inOurs].filter((file) => inTheirs.has(file)).length,
    theirsInOurs: theirComponents.filter((component) => within(component, ourComponents)).length,
    oursInTheirs: ourComponents.filter((component) => within(component, theirComponents)).length,
  };
}

function factsEdges(facts: RepoFacts, keep: (from: string, to: string) => boolean, fold = (path: string) => path): Edges {
  const edges: Edges = new Set();
  for (const [from, targets] of facts.imports.edges)
    for (const to of targets.keys()) if (keep(from, to) && fold(from) !== fold(to)) edges.add(edgeOf(fold(from), fold(to)));
  return edges;
}

/** The graph from the sources under tsx, as the unit tests build it: these comparisons are about what it says, not how fast. */
async function facts(root: string): Promise<RepoFacts> {
  const index = new RepoIndex(root, { poolSize: 1 });
  try {
    await index.refresh();
    return await gatherFacts(index);
  } finally {
    await index.dispose();
  }
}

const dirOf = (path: string) => (posix.dirname(path) === '.' ? '.' : posix.dirname(path));

/**
 * madge's graph of `<package>/<src>`, run in `<package>` with its tsconfig as
 * `madge --extensions ts --ts-config tsconfig.json --json <src>`; `PARLEY_BENCH_MADGE` names the
 * madge to run (it is not a dependency: its peer range stops at TypeScript 5).
 */
function madgeReference(root: string, pkg: string, src: string): Edges {
  const madge = process.env.PARLEY_BENCH_MADGE;
  if (!madge)
    throw new Error(
      'PARLEY_BENCH_MADGE is not set: the path of a madge 8 executable (npm install --legacy-peer-deps madge@8 typescript@5 in a scratch folder)',
    );
  const run = spawnSync(madge, ['--extensions', 'ts', '--ts-config', 'tsconfig.json', '--json', src], {
    cwd: join(root, pkg),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`madge failed (${run.status}): ${run.stderr}`);
  const graph = JSON.parse(run.stdout) as Record<string, string[]>;
  const base = posix.join(pkg, src);
  return new Set(Object.entries(graph).flatMap(([from, targets]) => targets.map((to) => edgeOf(posix.join(base, from), posix.join(base, to)))));
}

export async function compare(language: string, root: string, args: string[]): Promise<Comparison & { skipped: number }> {
  const graph = await facts(root);
  const comparison = scanned(referenceFor(language, root, args, graph), graph, language === 'go' ? dirOf : (path) => path);
  return comparison.skipped > 0
    ? { ...comparison, reference: `${comparison.reference} (${comparison.skipped} edges of files the scan skips left out)` }
    : comparison;
}

function referenceFor(language: string, root: string, args: string[], graph: RepoFacts): Comparison {
  const repository = posix.basename(root);
  const both =
    (pattern: RegExp, scope: (path: string) => boolean = () => true) =>
    (from: string, to: string) =>
      pattern.test(from) && pattern.test(to) && scope(from) && scope(to);
  switch (language) {
    case 'typescript': {
      const [pkg = '.', src = 'src'] = args;
      const base = posix.join(pkg, src);
      const scope = (path: string) => path.startsWith(`${base}/`);
      return { repository, language, reference: `madge (${base})`, ours: factsEdges(graph, both(/\.ts$/, scope)), theirs: madgeReference(root, pkg, src) };
    }
    case 'c': {
      const { edges } = cReference(root, args);
      return { repository, language, reference: `gcc -MM ${args.join(' ')}`.trim(), ours: factsEdges(graph, both(C_FILE)), theirs: edges };
    }
    case 'python': {
      const roots = args.length > 0 ? args : ['.'];
      const scope = (path: string) => roots.some((dir) => dir === '.' || path.startsWith(`${dir}/`));
      return { repository, language, reference: 'modulefinder', ours: factsEdges(graph, both(/\.py$/, scope)), theirs: pythonReference(root, roots) };
    }
    case 'go':
      return { repository, language, reference: 'go list', ours: factsEdges(graph, both(/\.go$/), dirOf), theirs: goReference(root) };
    case 'java': {
      const source = args[0] ?? 'src/main/java';
      const scope = (path: string) => path.startsWith(`${source}/`);
      return { repository, language, reference: 'javac + jdeps', ours: factsEdges(graph, both(/\.java$/, scope)), theirs: javaReference(root, source) };
    }
    case 'rust': {
      const paths = new Set(graph.files.map((file) => file.path));
      const resolver = new RustResolver(root, paths, (path) => graph.symbols(path).imports ?? []);
      const ours: Edges = new Set();
      const theirs: Edges = new Set();
      for (const [crate, files] of rustReference(root)) {
        for (const file of files) theirs.add(edgeOf(crate, file));
        for (const file of resolver.crateFiles(crate)) ours.add(edgeOf(crate, file));
      }
      return { repository, language, reference: 'rustc dep-info (crate files)', ours, theirs };
    }
    default:
      throw new Error(`no reference for ${language} (known: typescript, c, python, go, java, rust)`);
  }
}

/** The reference's edges among the files Parley's scan keeps (it skips generated, vendored and ignored files), and how many it left out. */
function scanned(comparison: Comparison, graph: RepoFacts, level: (path: string) => string): Comparison & { skipped: number } {
  const kept = new Set(graph.files.map((file) => level(file.path)));
  const theirs = new Set([...comparison.theirs].filter((edge) => edge.split(' -> ').every((end) => kept.has(end))));
  return { ...comparison, theirs, skipped: comparison.theirs.size - theirs.size };
}

/** `language=path#args;…` as the benches take their trees. */
export function treeEntries(entries: string): { language: string; root: string; args: string[] }[] {
  return entries
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((entry) => {
      const [language, rest = ''] = entry.split('=', 2) as [string, string?];
      const [root, args = ''] = rest.split('#', 2) as [string, string?];
      return { language: language.trim(), root: root.trim(), args: args.split(/\s+/).filter(Boolean) };
    });
}
