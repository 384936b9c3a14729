/**
 * Cycle findings on hand-made import graphs: a folder and its subfolders are no module cycle, a
 * Rust `mod` declaration is containment, and each language's loop says what it costs there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyCycles } from '../../../server/repo/findings/cycles';
import { moduleOf, type DependencyEdge, type DependencyGraph } from '../../../server/repo/findings/dependencies';
import type { RepoFacts } from '../../../server/repo/findings/facts';

type Import = [from: string, to: string, flags?: Partial<DependencyEdge>];

function graphOf(imports: Import[]): DependencyGraph {
  const graph: DependencyGraph = new Map();
  for (const [from, to, flags] of imports) {
    for (const node of [from, to]) if (!graph.has(node)) graph.set(node, new Map());
    const edge = { from, to, file: from, line: 1, specifier: to, target: to, uses: 1, typeOnly: false, dynamic: false, test: false, ...flags };
    graph.get(from)!.set(to, edge);
  }
  return graph;
}

function cyclesOf(imports: Import[]) {
  const facts = { imports: { edges: graphOf(imports), external: new Map(), packages: new Map(), unresolved: [] } } as unknown as RepoFacts;
  return dependencyCycles(facts);
}

describe('cycle findings', () => {
  it('names modules two folders deep, not counting a source root such as src/', () => {
    const modules = Object.fromEntries(
      [
        'x.ts',
        'src/x.ts',
        'src/click/core.py',
        'server/repo/symbols/a.ts',
        'agents/src/index.ts',
        'agents/src/voice/agent.ts',
        'packages/lib/src/index.ts',
      ].map((path) => [path, moduleOf(path)]),
    );
    assert.deepEqual(modules, {
      'x.ts': '.',
      'src/x.ts': 'src',
      'src/click/core.py': 'src/click',
      'server/repo/symbols/a.ts': 'server/repo',
      'agents/src/index.ts': 'agents/src',
      'agents/src/voice/agent.ts': 'agents/src/voice',
      'packages/lib/src/index.ts': 'packages/lib',
    });
    assert.equal(moduleOf('java/src/main/java/com/acme/App.java'), 'java/src', "Maven's src/main/java is no source root to skip");
  });

  it('finds no module cycle between a folder and its subfolder when no files loop', () => {
    // main.ts wires up the conversation, which logs through server/log.ts: layering, not a cycle.
    const found = cyclesOf([
      ['server/main.ts', 'server/conversation/turn.ts'],
      ['server/conversation/turn.ts', 'server/log.ts'],
    ]);
    assert.deepEqual(found, []);
  });

  it('treats the root folder as holding every module', () => {
    assert.deepEqual(
      cyclesOf([
        ['index.ts', 'src/app.ts'],
        ['src/app.ts', 'config.ts'],
      ]),
      [],
    );
  });

  it('still finds a module cycle between sibling folders', () => {
    const [cycle, ...more] = cyclesOf([
      ['server/a/x.ts', 'server/b/y.ts'],
      ['server/b/y.ts', 'server/a/z.ts'],
    ]);
    assert.equal(more.length, 0, 'the files do not loop: only the modules do');
    assert.equal(cycle!.title, 'Dependency cycle between modules server/a → server/b → server/a');
    assert.equal(cycle!.certainty, 'certain', 'a cycle is read off the imports');
  });

  it('reports files that loop through a folder and its subfolders as a file cycle', () => {
    const found = cyclesOf([
      ['server/conversation/a.ts', 'server/repo/b.ts'],
      ['server/repo/b.ts', 'server/log.ts'],
      ['server/log.ts', 'server/conversation/a.ts'],
    ]);
    assert.deepEqual(
      found.map((f) => f.title),
      [
        'Import cycle of 3 files across server, server/conversation and server/repo: server/conversation/a.ts → server/repo/b.ts → server/log.ts → server/conversation/a.ts',
      ],
    );
    assert.match(found[0]!.why, /Load order and initialisation/);
  });

  it('does not report file loops twice when they are the evidence of a module cycle', () => {
    const found = cyclesOf([
      ['lib/a/x.ts', 'lib/b/y.ts'],
      ['lib/b/y.ts', 'lib/a/x.ts'],
    ]);
    assert.deepEqual(
      found.map((f) => f.title),
      ['Dependency cycle between modules lib/a → lib/b → lib/a'],
    );
  });

  it('reads a Rust module tree as containment: mod, and a parent using its own children, make no cycle with use super:: back', () => {
    const idiom: Import[] = [
      ['src/net/mod.rs', 'src/net/tcp.rs', { containment: true }],
      ['src/net/tcp.rs', 'src/net/mod.rs'],
    ];
    assert.deepEqual(cyclesOf(idiom), []);
    // lib.rs re-exports glob's Glob (pub use crate::glob::Glob) and glob.rs uses crate::Error.
    const crate: Import[] = [
      ['crates/globset/src/lib.rs', 'crates/globset/src/glob.rs'],
      ['crates/globset/src/glob.rs', 'crates/globset/src/lib.rs'],
      ['src/net.rs', 'src/net/tcp.rs'],
      ['src/net/tcp.rs', 'src/net.rs'],
    ];
    assert.deepEqual(cyclesOf([...idiom, ['src/net/mod.rs', 'src/net/tcp.rs'], ...crate]), []);
    const [loop, ...more] = cyclesOf([
      ['src/dir.rs', 'src/walk.rs'],
      ['src/walk.rs', 'src/dir.rs'],
    ]);
    assert.equal(more.length, 0);
    assert.equal(loop?.title, 'Import cycle of 2 files in src: src/dir.rs → src/walk.rs → src/dir.rs', 'siblings that use each other still loop');
    assert.match(loop!.why, /The compiler takes the loop as a whole, so nothing breaks at load time/);
    assert.doesNotMatch(loop!.why, /Load order/);
  });

  it('keeps a parent and child that import each other in TypeScript a cycle', () => {
    const [loop] = cyclesOf([
      ['src/index.ts', 'src/net/tcp.ts'],
      ['src/net/tcp.ts', 'src/index.ts'],
    ]);
    assert.equal(loop?.title, 'Import cycle of 2 files across src and src/net: src/index.ts → src/net/tcp.ts → src/index.ts');
  });

  it("says what a loop costs in the files' language", () => {
    const why = (a: string, b: string) =>
      cyclesOf([
        [a, b],
        [b, a],
      ])[0]!.why;
    assert.match(why('src/a.h', 'src/b.h'), /include guards stop the recursion/);
    assert.match(why('pkg/a.py', 'pkg/b.py'), /Load order and initialisation/);
    assert.match(why('app/A.java', 'app/B.java'), /The compiler takes the loop as a whole/);
    assert.match(why('x/a.go', 'x/b.go'), /go build. refuses packages that import each other/);
  });

  it('leaves out loops among test fixtures, which tests plant on purpose', () => {
    assert.deepEqual(
      cyclesOf([
        ['test/fixtures/imports/src/a.ts', 'test/fixtures/imports/src/b.ts'],
        ['test/fixtures/imports/src/b.ts', 'test/fixtures/imports/src/a.ts'],
        ['pkg/testdata/x.go', 'pkg/testdata/y.go'],
        ['pkg/testdata/y.go', 'pkg/testdata/x.go'],
      ]),
      [],
    );
  });

  it('marks a loop that holds only through tests as not at load time, without the load-order cost', () => {
    const [loop] = cyclesOf([
      ['src/a.ts', 'src/b.ts'],
      ['src/b.ts', 'src/a.ts', { typeOnly: true }],
    ]);
    assert.equal(loop!.severity, 'information');
    assert.match(loop!.title, /\(not at load time\)$/);
    assert.doesNotMatch(loop!.why, /Load order/);
    assert.match(loop!.why, /only through type-only imports/);
  });
});
