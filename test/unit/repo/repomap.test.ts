/** Ranking and rendering of the repo map, on small hand-made reference graphs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraph, fileNode, identWeight, NameTable, type ReferenceGraph } from '../../../server/repo/graph';
import { pageRank } from '../../../server/repo/pagerank';
import { buildRepoMap, estimateTokens } from '../../../server/repo/repomap';
import { packReferences, type FileSymbols } from '../../../server/repo/symbols/types';

/** A file defining `defs` (one per line) and referencing `refs`. */
function file(defs: string[], refs: string[]): FileSymbols {
  return {
    defs: defs.map((name, index) => ({ name, kind: 'function', line: index + 1, signature: `export function ${name}(): void {` })),
    refs: packReferences(refs.map((name) => ({ name, line: defs.length + 1 }))),
  };
}

function graphOf(files: Record<string, FileSymbols>): ReferenceGraph {
  const names = new NameTable();
  const nodes = Object.entries(files).map(([path, symbols]) => fileNode(path, symbols, names));
  return buildGraph(
    nodes.sort((a, b) => (a.path < b.path ? -1 : 1)),
    names,
  );
}

/** A hub every module uses, modules that use each other a little, a leaf nobody uses, and an island pair. */
const REPOSITORY: Record<string, FileSymbols> = {
  'src/core/config.ts': file(['parseConfig', 'loadSettings'], []),
  'src/core/logger.ts': file(['createLogger'], ['parseConfig']),
  'src/api/client.ts': file(['sendRequest'], ['parseConfig', 'createLogger']),
  'src/api/server.ts': file(['startServer'], ['parseConfig', 'createLogger', 'sendRequest']),
  'src/cli.ts': file(['runCommand'], ['parseConfig', 'startServer', 'loadSettings']),
  'src/leaf.ts': file(['unusedHelper'], []),
  'tools/report.ts': file(['renderReport'], ['formatTable']),
  'tools/table.ts': file(['formatTable'], []),
};

const position = (ranking: { path: string }[], path: string) => ranking.findIndex((entry) => entry.path === path);

describe('repo map ranking', () => {
  it('is the same every time for the same repository, whatever order the files arrive in', () => {
    const first = buildRepoMap(graphOf(REPOSITORY), { tokens: 200 });
    const again = buildRepoMap(graphOf(REPOSITORY), { tokens: 200 });
    const reversed = buildRepoMap(graphOf(Object.fromEntries(Object.entries(REPOSITORY).reverse())), { tokens: 200 });
    assert.equal(again.text, first.text);
    assert.equal(reversed.text, first.text);
    assert.deepEqual(reversed.ranking, first.ranking);
  });

  it('ranks the file everything depends on above a leaf nobody uses', () => {
    const map = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000 });
    assert.equal(map.ranking[0]?.path, 'src/core/config.ts');
    assert.ok(position(map.ranking, 'src/core/config.ts') < position(map.ranking, 'src/leaf.ts'));
    assert.equal(map.files[0]?.path, 'src/core/config.ts');
    assert.equal(map.files[0]?.symbols[0]?.name, 'parseConfig');
  });

  it('moves the neighbours of a file in focus up', () => {
    const plain = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000 });
    const focused = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000, focus: ['tools/report.ts'] });
    assert.ok(position(focused.ranking, 'tools/table.ts') < position(plain.ranking, 'tools/table.ts'));
    assert.ok(focused.ranking[0]!.path.startsWith('tools/'), `first: ${focused.ranking[0]!.path}`);
  });

  it('moves the definitions of a mentioned identifier up', () => {
    const plain = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000 });
    const mentioned = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000, mentioned: ['loadSettings'] });
    const rankOf = (map: typeof plain) => map.files.flatMap((entry) => entry.symbols).find((symbol) => symbol.name === 'loadSettings')!.rank;
    assert.ok(rankOf(mentioned) > rankOf(plain));
  });

  it('keeps PageRank a distribution and gives compound names more weight than short ones', () => {
    const graph = graphOf(REPOSITORY);
    const ranks = pageRank(graph, graph.refWeight);
    assert.ok(Math.abs(ranks.files.reduce((sum, rank) => sum + rank, 0) - 1) < 1e-9);
    assert.ok(identWeight('parseConfigFile', 1) > identWeight('get', 1));
    assert.ok(identWeight('_private', 1) < identWeight('private', 1));
    assert.ok(identWeight('render', 6) < identWeight('render', 5), 'names defined in many files say less');
  });
});

describe('repo map rendering', () => {
  it('stays within the token budget, showing more as the budget grows', () => {
    const graph = graphOf(REPOSITORY);
    let shown = -1;
    for (const tokens of [0, 10, 20, 40, 80, 160, 1000]) {
      const map = buildRepoMap(graph, { tokens });
      assert.ok(map.tokens <= tokens, `${map.tokens} tokens for a budget of ${tokens}`);
      assert.equal(map.tokens, estimateTokens(map.text));
      assert.ok(map.stats.shown >= shown);
      shown = map.stats.shown;
    }
    assert.equal(shown, 9, 'a large budget shows every definition');
  });

  it('prints each file once with its definitions by line', () => {
    const map = buildRepoMap(graphOf(REPOSITORY), { tokens: 1000 });
    assert.match(map.text, /^src\/core\/config\.ts:\n {2}1│ export function parseConfig\(\): void \{\n {2}2│ export function loadSettings\(\): void \{\n/);
    assert.equal(map.text.match(/^src\/core\/config\.ts:$/gm)?.length, 1);
  });

  it('renders an empty repository as an empty map', () => {
    const map = buildRepoMap(graphOf({}), { tokens: 1024 });
    assert.deepEqual({ text: map.text, files: map.files, ranking: map.ranking }, { text: '', files: [], ranking: [] });
  });
});
