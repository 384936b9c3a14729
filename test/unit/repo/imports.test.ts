/**
 * The import graph on a small tree with known imports: tsconfig paths through extends, `.js`
 * specifiers meaning `.ts`, index files, a workspace package, a type-only cycle, a test-only
 * edge, a package import whose name a local file also defines, Python relative imports and Go.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dependencyCycles } from '../../../server/repo/findings/cycles';
import { gatherFacts, type RepoFacts } from '../../../server/repo/findings/facts';
import { RepoIndex } from '../../../server/repo/index';
import { setWorkspaceTrusted } from '../../../server/process/trust';
import { REPO } from '../../support/paths';

setWorkspaceTrusted(true);
const FIXTURE = join(REPO, 'test', 'fixtures', 'imports');

describe('import graph', { timeout: 60_000 }, () => {
  const index = new RepoIndex(FIXTURE, { poolSize: 1 });
  let facts: RepoFacts;
  const targets = (from: string) => [...(facts.imports.edges.get(from)?.keys() ?? [])].sort();
  const edge = (from: string, to: string) => facts.imports.edges.get(from)?.get(to);

  before(async () => {
    await index.refresh();
    facts = await gatherFacts(index);
  });
  after(() => index.dispose());

  it('resolves .js specifiers, tsconfig paths through extends and index files', () => {
    assert.deepEqual(targets('src/a.ts'), ['src/b.ts']);
    assert.deepEqual(targets('src/b.ts'), ['src/c/index.ts']);
    assert.deepEqual(targets('src/c/index.ts'), ['src/a.ts']);
    assert.equal(edge('src/a.ts', 'src/b.ts')?.line, 1);
  });

  it('resolves a workspace package to its sources and keeps external packages external', () => {
    assert.deepEqual(targets('src/ext.ts'), ['packages/lib/src/index.ts'], "@livekit/rtc-node's Room is not examples/room.ts");
    assert.equal(facts.imports.external.get('@livekit/rtc-node'), 1);
  });

  it('marks type-only, dynamic and test imports', () => {
    assert.equal(edge('src/types.ts', 'src/user.ts')?.typeOnly, true);
    assert.equal(edge('src/loader.ts', 'test/a.test.ts')?.dynamic, true);
    assert.equal(edge('test/a.test.ts', 'src/a.ts')?.test, true);
    assert.equal(edge('src/a.ts', 'src/b.ts')?.typeOnly, false);
  });

  it('resolves Python relative imports and Go packages through go.mod', () => {
    assert.deepEqual(targets('py/pkg/mod.py'), ['py/pkg/other.py']);
    assert.deepEqual(targets('py/pkg/other.py'), ['py/pkg/mod.py']);
    assert.deepEqual(targets('cmd/main.go'), ['lib/lib.go']);
  });

  it('reports each cycle once, load-time cycles first, the others marked', () => {
    const titles = dependencyCycles(facts).map((f) => `${f.severity}: ${f.title}`);
    assert.deepEqual(titles, [
      // src, src/c and test are one component (test only through the test file and a dynamic import): one finding, its load-time loop as the example.
      'warning: Dependency cycle between modules src → src/c → src',
      'warning: Import cycle of 2 files in py/pkg: py/pkg/mod.py → py/pkg/other.py → py/pkg/mod.py',
      'information: Import cycle of 2 files in src: src/types.ts → src/user.ts → src/types.ts (not at load time)',
    ]);
    const modules = dependencyCycles(facts)[0]!;
    assert.match(modules.why, /\(3 modules import each other in all\): src\/b\.ts:1 imports src\/c\/index\.ts \('@app\/c'\)/);
    const typeOnly = dependencyCycles(facts).find((f) => f.file === 'src/types.ts')!;
    assert.match(typeOnly.why, /src\/types\.ts:1 imports types from src\/user\.ts \('\.\/user'\)/);
    assert.match(typeOnly.why, /only through type-only imports/);
  });
});
