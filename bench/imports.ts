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
import { join } from 'node:path';
import { cycles } from '../server/repo/findings/dependencies';
import { gatherFacts } from '../server/repo/findings/facts';
import { RepoIndex } from '../server/repo/index';
import { setWorkspaceTrusted } from '../server/process/trust';
import { REPO } from '../test/support/paths';
import { agreement, compare, ratio, treeEntries, type Comparison } from './importsCompare';

setWorkspaceTrusted(true);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the header of bench/imports.ts)`);
  return value;
}

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

function report(comparison: Comparison): string {
  const { repository, language, reference, ours, theirs } = comparison;
  const found = agreement(comparison);
  if (process.env.PARLEY_BENCH_IMPORTS_DIFF) {
    for (const edge of [...ours].filter((e) => !theirs.has(e)).slice(0, 20)) console.log(`  only Parley: ${edge}`);
    for (const edge of [...theirs].filter((e) => !ours.has(e)).slice(0, 20)) console.log(`  only ${reference}: ${edge}`);
  }
  const cells = [
    repository,
    language,
    reference,
    `${ours.size} / ${theirs.size} / ${found.shared}`,
    found.precision.toFixed(3),
    found.recall.toFixed(3),
    `${found.ourComponents.length} (${found.ourFiles} files) / ${found.theirComponents.length} (${found.theirFiles} files) / ${found.sharedFiles} files`,
    `${found.theirsInOurs}/${found.theirComponents.length}`,
    `${found.oursInTheirs}/${found.ourComponents.length}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

async function references(entries: string): Promise<void> {
  const rows: string[] = [];
  for (const { language, root, args } of treeEntries(entries)) {
    const started = performance.now();
    const comparison = await compare(language, root, args);
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
