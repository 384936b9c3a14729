/**
 * The import graph against references nobody here wrote, on real repositories fetched beforehand
 * (the trees need the network, so their paths come in through the environment; this is not part of
 * npm test). Two parts, each run when its variables are set:
 *
 * 1. TypeScript against madge (`madge --json` and `madge --circular --json`, run on the same tree
 *    beforehand). A madge cycle counts as found when one of Parley's strongly connected
 *    components holds all its files; a Parley component counts as true when it holds a madge cycle.
 *
 *   PARLEY_BENCH_IMPORTS_REPO=/tmp/agents-js PARLEY_BENCH_IMPORTS_SRC=agents/src \
 *   PARLEY_BENCH_MADGE_GRAPH=graph.json PARLEY_BENCH_MADGE_CYCLES=cycles.json npm run bench -- imports
 *
 * 2. Other languages against their own tools (bench/importsReference.ts says which and how), one
 *    entry per repository, `language=path` with the tool's arguments after `#`:
 *
 *   PARLEY_BENCH_IMPORTS_REFS='python=/tmp/click#src tests;go=/tmp/cobra;c=/tmp/cJSON;c=/tmp/libuv#-Iinclude -Isrc;
 *     java=/tmp/commons-lang#src/main/java;rust=/tmp/ripgrep' npm run bench -- imports
 *
 *    For each: edge precision and recall against the reference (file edges; package folders for
 *    Go; for Rust the files of each crate), and the strongly connected components of both graphs:
 *    how many, how many files they hold, and how many of the reference's components lie whole
 *    inside one of Parley's (and the other way round). PARLEY_BENCH_IMPORTS_DIFF=1 lists examples
 *    of the edges only one side has.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { cycles, type DependencyEdge, type DependencyGraph } from '../server/repo/findings/dependencies';
import { gatherFacts, type RepoFacts } from '../server/repo/findings/facts';
import { RepoIndex } from '../server/repo/index';
import { RustResolver } from '../server/repo/imports/rust';
import { setWorkspaceTrusted } from '../server/process/trust';
import { REPO } from '../test/support/paths';
import { C_FILE, cReference, edgeOf, type Edges, goReference, javaReference, pythonReference, rustReference } from './importsReference';

setWorkspaceTrusted(true);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the header of bench/imports.ts)`);
  return value;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

async function madge(): Promise<void> {
  const root = env('PARLEY_BENCH_IMPORTS_REPO');
  const src = env('PARLEY_BENCH_IMPORTS_SRC').replace(/\/$/, '');
  const madgeGraph = JSON.parse(readFileSync(env('PARLEY_BENCH_MADGE_GRAPH'), 'utf8')) as Record<string, string[]>;
  const madgeCycles = JSON.parse(readFileSync(env('PARLEY_BENCH_MADGE_CYCLES'), 'utf8')) as string[][];
  const index = new RepoIndex(root, { nativeDir: join(REPO, 'dist', 'native') });
  try {
    const started = performance.now();
    await index.refresh();
    const facts = await gatherFacts(index);
    const ms = performance.now() - started;
    const inside = (path: string) => path.startsWith(`${src}/`);
    const local = (path: string) => path.slice(src.length + 1);
    const ours = new Set<string>();
    const graph = new Map(
      [...facts.imports.edges].filter(([from]) => inside(from)).map(([from, targets]) => [from, new Map([...targets].filter(([to]) => inside(to)))]),
    );
    for (const [from, targets] of graph) for (const to of targets.keys()) ours.add(`${local(from)} -> ${local(to)}`);
    const theirs = new Set(Object.entries(madgeGraph).flatMap(([from, targets]) => targets.map((to) => `${from} -> ${to}`)));
    const shared = [...ours].filter((edge) => theirs.has(edge)).length;
    const components = cycles(graph).map((component) => new Set(component.map(local)));
    const found = madgeCycles.filter((cycle) => components.some((component) => cycle.every((file) => component.has(file)))).length;
    const trueComponents = components.filter((component) => madgeCycles.some((cycle) => cycle.every((file) => component.has(file)))).length;
    console.log(`\nImport graph vs madge on ${root} (${src}), Parley's index + facts in ${Math.round(ms)} ms`);
    console.log(
      `edges: Parley ${ours.size}, madge ${theirs.size}, shared ${shared}: precision ${ratio(shared, ours.size).toFixed(3)}, recall ${ratio(shared, theirs.size).toFixed(3)}`,
    );
    console.log(`cycles: madge ${madgeCycles.length}, found in a Parley component ${found}: recall ${ratio(found, madgeCycles.length).toFixed(3)}`);
    console.log(
      `components: Parley ${components.length} (sizes ${components.map((c) => c.size).join(', ')}), holding a madge cycle ${trueComponents}: precision ${ratio(trueComponents, components.length).toFixed(3)}`,
    );
    if (process.env.PARLEY_BENCH_IMPORTS_DIFF) {
      for (const edge of [...ours].filter((e) => !theirs.has(e)).slice(0, 15)) console.log(`  only Parley: ${edge}`);
      for (const edge of [...theirs].filter((e) => !ours.has(e)).slice(0, 15)) console.log(`  only madge: ${edge}`);
    }
  } finally {
    await index.dispose();
  }
}

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

function factsEdges(facts: RepoFacts, keep: (from: string, to: string) => boolean, fold = (path: string) => path): Edges {
  const edges: Edges = new Set();
  for (const [from, targets] of facts.imports.edges)
    for (const to of targets.keys()) if (keep(from, to) && fold(from) !== fold(to)) edges.add(edgeOf(fold(from), fold(to)));
  return edges;
}

interface Comparison {
  repository: string;
  language: string;
  reference: string;
  ours: Edges;
  theirs: Edges;
}

function report({ repository, language, reference, ours, theirs }: Comparison): string {
  const shared = [...ours].filter((edge) => theirs.has(edge)).length;
  const ourCycles = cycles(graphOf(ours)).map((component) => new Set(component));
  const theirCycles = cycles(graphOf(theirs)).map((component) => new Set(component));
  const within = (inner: Set<string>, outer: Set<string>[]) => outer.some((component) => [...inner].every((file) => component.has(file)));
  const inOurs = new Set(ourCycles.flatMap((component) => [...component]));
  const inTheirs = new Set(theirCycles.flatMap((component) => [...component]));
  const sharedFiles = [...inOurs].filter((file) => inTheirs.has(file)).length;
  if (process.env.PARLEY_BENCH_IMPORTS_DIFF) {
    for (const edge of [...ours].filter((e) => !theirs.has(e)).slice(0, 20)) console.log(`  only Parley: ${edge}`);
    for (const edge of [...theirs].filter((e) => !ours.has(e)).slice(0, 20)) console.log(`  only ${reference}: ${edge}`);
  }
  const cells = [
    repository,
    language,
    reference,
    `${ours.size} / ${theirs.size} / ${shared}`,
    ratio(shared, ours.size).toFixed(3),
    ratio(shared, theirs.size).toFixed(3),
    `${ourCycles.length} (${inOurs.size} files) / ${theirCycles.length} (${inTheirs.size} files) / ${sharedFiles} files`,
    `${theirCycles.filter((component) => within(component, ourCycles)).length}/${theirCycles.length}`,
    `${ourCycles.filter((component) => within(component, theirCycles)).length}/${ourCycles.length}`,
  ];
  return `| ${cells.join(' | ')} |`;
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

async function compare(language: string, root: string, args: string[]): Promise<Comparison> {
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
      throw new Error(`no reference for ${language} (known: c, python, go, java, rust)`);
  }
}

/** The reference's edges among the files Parley's scan keeps (it skips generated, vendored and ignored files), and how many it left out. */
function scanned(comparison: Comparison, graph: RepoFacts, level: (path: string) => string): Comparison & { skipped: number } {
  const kept = new Set(graph.files.map((file) => level(file.path)));
  const theirs = new Set([...comparison.theirs].filter((edge) => edge.split(' -> ').every((end) => kept.has(end))));
  return { ...comparison, theirs, skipped: comparison.theirs.size - theirs.size };
}

async function references(entries: string): Promise<void> {
  const rows: string[] = [];
  for (const entry of entries
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [language, rest] = entry.split('=', 2) as [string, string];
    const [root, args = ''] = rest.split('#', 2) as [string, string?];
    const started = performance.now();
    const comparison = await compare(language.trim(), root.trim(), args.split(/\s+/).filter(Boolean));
    console.log(`${language} ${root}: compared in ${Math.round(performance.now() - started)} ms`);
    rows.push(report(comparison));
  }
  console.log(
    [
      '',
      '| repository | language | reference | edges Parley / reference / shared | precision | recall | cycle components Parley / reference / files in both | reference components inside one of Parley | Parley components inside one of the reference |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  if (process.env.PARLEY_BENCH_MADGE_GRAPH) await madge();
  if (process.env.PARLEY_BENCH_IMPORTS_REFS) await references(process.env.PARLEY_BENCH_IMPORTS_REFS);
  if (!process.env.PARLEY_BENCH_MADGE_GRAPH && !process.env.PARLEY_BENCH_IMPORTS_REFS)
    console.log('imports: set PARLEY_BENCH_MADGE_GRAPH (and the others) or PARLEY_BENCH_IMPORTS_REFS; see the header of bench/imports.ts');
}

void main();
