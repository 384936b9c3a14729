/**
 * The import graph on a small tree with known imports: tsconfig paths through extends, `.js`
 * specifiers meaning `.ts`, index files, a workspace package, a type-only cycle, a test-only
 * edge, a package import whose name a local file also defines, Python relative imports, Go, and
 * for Rust, Java, C# and C a cycle each and an external import whose name a local file shares.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dependencyCycles } from '../../../server/repo/findings/cycles';
import { isStrong } from '../../../server/repo/findings/dependencies';
import { gatherFacts, type RepoFacts } from '../../../server/repo/findings/facts';
import { RepoIndex } from '../../../server/repo/index';
import { moduleConnections } from '../../../server/repo/review/connections';
import { setWorkspaceTrusted } from '../../../server/process/trust';
import { REPO } from '../../support/paths';

setWorkspaceTrusted(true);
const FIXTURE = join(REPO, 'test', 'fixtures', 'imports');
const JAVA = 'java/src/main/java/com/acme';

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
    const typed = edge('py/pkg/typed.py', 'py/pkg/mod.py')!;
    assert.equal(typed.line, 4, 'if t.TYPE_CHECKING: after import typing as t');
    assert.deepEqual(
      [typed.typeOnly, typed.dynamic, isStrong(typed)],
      [false, true, false],
      'types at line 4 and a load inside a function: nothing at load time',
    );
    assert.equal(edge('py/pkg/typed.py', 'py/pkg/other.py')?.typeOnly, false, 'its else: runs');
  });

  it('resolves Python relative imports and Go packages through go.mod', () => {
    assert.deepEqual(targets('py/pkg/mod.py'), ['py/pkg/other.py']);
    assert.deepEqual(targets('py/pkg/other.py'), ['py/pkg/mod.py']);
    assert.deepEqual(targets('cmd/main.go'), ['lib/lib.go']);
  });

  it('resolves Rust mod and use through the crate tree, path attributes and workspace crates, and keeps other crates external', () => {
    assert.deepEqual(targets('rust/app/src/main.rs'), [
      'rust/app/src/config.rs',
      'rust/app/src/net/mod.rs',
      'rust/app/src/platform/unix.rs',
      'rust/util/src/strings.rs',
    ]);
    assert.deepEqual(targets('rust/app/src/net/mod.rs'), ['rust/app/src/config.rs', 'rust/app/src/net/tcp.rs', 'rust/app/src/platform/unix.rs']);
    assert.deepEqual(
      targets('rust/app/src/net/tcp.rs'),
      ['rust/app/src/net/mod.rs'],
      'super:: from net/tcp.rs is net, and use super::* in an inline test module is its own file',
    );
    assert.equal(edge('rust/app/src/main.rs', 'rust/app/src/platform/unix.rs')?.specifier, 'os');
    assert.equal(edge('rust/app/src/net/mod.rs', 'rust/app/src/platform/unix.rs')?.test, true, 'only the #[cfg(test)] module uses it');
    assert.equal(edge('rust/app/src/net/mod.rs', 'rust/app/src/config.rs')?.test, false);
    assert.equal(edge('rust/app/src/main.rs', 'rust/util/src/serde.rs'), undefined, "the serde crate is not my-util's serde module");
    assert.equal(facts.imports.external.get('serde'), 1);
  });

  it('resolves Java imports by declared package, on-demand imports and own-package classes by the names used', () => {
    assert.deepEqual(targets(`${JAVA}/app/App.java`), [
      `${JAVA}/app/Helper.java`,
      `${JAVA}/model/User.java`,
      `${JAVA}/util/Checks.java`,
      `${JAVA}/util/Strings.java`,
    ]);
    assert.equal(edge(`${JAVA}/app/App.java`, `${JAVA}/util/Checks.java`)?.line, 8, 'the static import');
    assert.equal(edge(`${JAVA}/app/App.java`, `${JAVA}/model/User.java`)?.specifier, 'com.acme.model.*');
    assert.equal(edge(`${JAVA}/app/App.java`, `${JAVA}/room/Room.java`), undefined, 'org.external.Room is not com.acme.room.Room');
    assert.deepEqual(targets(`${JAVA}/util/Checks.java`), [`${JAVA}/model/Order.java`], 'a type written with its package');
    assert.deepEqual(targets('java/src/test/java/com/acme/app/AppTest.java'), [`${JAVA}/app/App.java`], 'same package across source roots');
    assert.equal(edge('java/src/test/java/com/acme/app/AppTest.java', `${JAVA}/app/App.java`)?.test, true);
  });

  it('resolves C# usings to the files of the namespace whose types the file names, global usings per project', () => {
    assert.deepEqual(targets('csharp/App/Program.cs'), ['csharp/App/Core/Service.cs'], 'not Unused.cs, nor Acme.Other.Widget for External.Widgets.Widget');
    assert.deepEqual(targets('csharp/App/Core/Helper.cs'), ['csharp/App/Core/Service.cs'], 'own namespace without a using');
    assert.deepEqual(targets('csharp/Tool/Main.cs'), ['csharp/App/Core/Service.cs']);
    assert.equal(edge('csharp/Tool/Main.cs', 'csharp/App/Core/Service.cs')?.line, 5, 'the global using is in Usings.cs: the evidence is the use');
  });

  it('resolves C includes beside the file, then include/ and CMake include directories; <…> never beside', () => {
    assert.deepEqual(targets('c/src/main.c'), ['c/include/lib/api.h', 'c/src/util.h', 'c/third/vendor.h'], '<queue.h> is not src/queue.h');
    assert.deepEqual(targets('c/include/lib/api.h'), ['c/include/lib/types.h']);
    assert.equal(facts.imports.external.get('queue.h'), 1);
    assert.ok(facts.imports.unresolved.some((u) => u.file === 'c/src/main.c' && u.specifier === 'config.h'));
  });

  it("gives a module's review prompt its imports, importers, most imported files, packages and unresolved includes", () => {
    const src = moduleConnections(facts, 'src');
    assert.match(src, /^Modules it imports:\n- packages\/lib \(1 import; e\.g\. src\/ext\.ts:2 imports packages\/lib\/src\/index\.ts\)\n/);
    assert.match(src, /- test \(1 import, loaded when code runs; e\.g\. src\/loader\.ts:5 imports test\/a\.test\.ts\)/);
    assert.match(src, /Modules that import it:\n- src\/c \(1 import; e\.g\. src\/c\/index\.ts:1 imports src\/a\.ts\)\n- test \(2 imports, from tests only;/);
    assert.match(src, /Its most imported files:\n- src\/a\.ts \(imported by 2 files, 2 outside the module\)\n/);
    assert.match(src, /External packages \(or system headers\) it imports:\n- @livekit\/rtc-node \(in 1 file\)$/);
    assert.doesNotMatch(src, /examples/, "a package's name never becomes a local file");
    const c = moduleConnections(facts, 'c/src');
    assert.match(c, /Modules that import it:\n- \(none\)/);
    assert.match(c, /- queue\.h \(in 1 file\)\n- stdio\.h \(in 1 file\)/);
    assert.match(c, /Imports that name no file in the repository:\n- c\/src\/main\.c:4 `config\.h`$/);
  });

  it('reports each cycle once, load-time cycles first, the others marked', () => {
    const titles = dependencyCycles(facts).map((f) => `${f.severity}: ${f.title}`);
    assert.deepEqual(titles, [
      `warning: Import cycle of 3 files in java/src: ${JAVA}/app/App.java → ${JAVA}/app/Helper.java → ${JAVA}/app/App.java`,
      // src/c is a folder of src: no module cycle between them, but the files do import each other.
      'warning: Import cycle of 3 files across src and src/c: src/a.ts → src/b.ts → src/c/index.ts → src/a.ts',
      'warning: Import cycle of 2 files in c/src: c/src/state.h → c/src/util.h → c/src/state.h',
      'warning: Import cycle of 2 files in csharp/App: csharp/App/Core/Service.cs → csharp/App/Data/Repo.cs → csharp/App/Core/Service.cs',
      'warning: Import cycle of 2 files in py/pkg: py/pkg/mod.py → py/pkg/other.py → py/pkg/mod.py',
      // net/mod.rs declares mod tcp; and tcp.rs uses super::Client: containment, so tcp.rs is in no cycle.
      'warning: Import cycle of 2 files in rust/app: rust/app/src/config.rs → rust/app/src/net/mod.rs → rust/app/src/config.rs',
      // src and test are siblings; the loop runs through the test file and a dynamic import.
      'information: Dependency cycle between modules src → test → src (not at load time)',
      'information: Import cycle of 2 files in src: src/types.ts → src/user.ts → src/types.ts (not at load time)',
    ]);
    const found = dependencyCycles(facts);
    const nested = found.find((f) => f.file === 'src/a.ts')!;
    assert.match(
      nested.why,
      /^These files import each other: src\/a\.ts:1 imports src\/b\.ts \('\.\/b\.js'\); src\/b\.ts:1 imports src\/c\/index\.ts \('@app\/c'\)/,
    );
    assert.match(nested.why, /Load order and initialisation/);
    // Each language's loop says what it costs there.
    assert.match(found.find((f) => f.file.startsWith('rust/'))!.why, /The compiler takes the loop as a whole/);
    assert.match(found.find((f) => f.file.startsWith('java/'))!.why, /The compiler takes the loop as a whole/);
    assert.match(found.find((f) => f.file.startsWith('c/'))!.why, /include guards/);
    assert.doesNotMatch(found.find((f) => f.file.startsWith('csharp/'))!.why, /Load order/);
    assert.match(found.find((f) => f.file.startsWith('py/'))!.why, /Load order and initialisation/);
    assert.equal(edge('rust/app/src/net/mod.rs', 'rust/app/src/net/tcp.rs')?.containment, true, 'mod tcp; declares a child');
    assert.equal(edge('rust/app/src/net/tcp.rs', 'rust/app/src/net/mod.rs')?.containment, undefined, 'use super::Client is a use');
    assert.ok(found.every((f) => !f.why.includes('tcp.rs')));
    const declaredAndUsed = edge('rust/app/src/main.rs', 'rust/app/src/config.rs');
    assert.deepEqual([declaredAndUsed?.containment, declaredAndUsed?.line], [false, 6], 'mod config; and use crate::config::Config: the use is the evidence');
    const typeOnly = dependencyCycles(facts).find((f) => f.file === 'src/types.ts')!;
    assert.match(typeOnly.why, /src\/types\.ts:1 imports types from src\/user\.ts \('\.\/user'\)/);
    assert.match(typeOnly.why, /only through type-only imports/);
  });
});
