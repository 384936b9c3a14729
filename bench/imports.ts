/**
 * The import graph against a reference nobody here wrote: Parley's file graph and its cycles on a
 * real repository, compared with madge's (`madge --json` and `madge --circular --json`, run on
 * the same tree beforehand). A madge cycle counts as found when one of Parley's strongly connected
 * components holds all its files; a Parley component counts as true when it holds a madge cycle.
 *
 *   PARLEY_BENCH_IMPORTS_REPO=/tmp/agents-js PARLEY_BENCH_IMPORTS_SRC=agents/src \
 *   PARLEY_BENCH_MADGE_GRAPH=graph.json PARLEY_BENCH_MADGE_CYCLES=cycles.json npm run bench -- imports
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cycles } from '../server/repo/findings/dependencies';
import { gatherFacts } from '../server/repo/findings/facts';
import { RepoIndex } from '../server/repo/index';
import { setWorkspaceTrusted } from '../server/process/trust';
import { REPO } from '../test/support/paths';

setWorkspaceTrusted(true);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the header of bench/imports.ts)`);
  return value;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

async function main(): Promise<void> {
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

void main();
