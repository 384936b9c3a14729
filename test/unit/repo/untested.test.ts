/**
 * The untested-modules check on hand-made repository facts: what it says where no test exists,
 * which files are production code, and a file is tested when a test imports it (or by each
 * language's own rule), not when a test shares its name.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { DependencyGraph } from '../../../server/repo/findings/dependencies';
import type { RepoFacts } from '../../../server/repo/findings/facts';
import { isProductionFile, reExports, untestedModules } from '../../../server/repo/findings/untested';
import { isTestFile } from '../../../server/repo/imports/graph';
import type { ImportStatement } from '../../../server/repo/imports/types';
import { tempDir } from '../../support/paths';
import type { RepoMap } from '../../../server/repo/repomap';
import { eachReference, NO_REFERENCES, packReferences, type FileSymbols } from '../../../server/repo/symbols/types';

/** A file defining one function per name in `defs` and referring to `refs`. */
function file(defs: string[], refs: string[] = []): FileSymbols {
  return {
    defs: defs.map((name, index) => ({ name, kind: 'function', line: index + 1, signature: `export function ${name}() {` })),
    refs: packReferences(refs.map((name) => ({ name, line: defs.length + 1 }))),
  };
}

/** Each file imports the files defining the names it refers to, as an import graph would say. */
function importsOf(files: Record<string, FileSymbols>): DependencyGraph {
  const definer = new Map(Object.entries(files).flatMap(([path, symbols]) => symbols.defs.map((def) => [def.name, path] as const)));
  return new Map(
    Object.entries(files).map(([path, symbols]) => [
      path,
      new Map(
        [...eachReference(symbols.refs)].flatMap(({ name, line }) => {
          const to = definer.get(name);
          return to
            ? [
                [
                  to,
                  { from: path, to, file: path, line, specifier: `./${to}`, target: to, uses: 1, typeOnly: false, dynamic: false, test: isTestFile(path) },
                ] as const,
              ]
            : [];
        }),
      ),
    ]),
  );
}

const LANGUAGES: Record<string, string> = { ts: 'typescript', go: 'go', rs: 'rust', c: 'c', h: 'c', rb: 'ruby', py: 'python' };

/** The facts of a repository without git history, ranked evenly. */
function factsOf(files: Record<string, FileSymbols>): RepoFacts {
  const paths = Object.keys(files);
  const symbols = (path: string) => files[path] ?? { defs: [], refs: NO_REFERENCES };
  return {
    root: '/repo',
    files: paths.map((path) => ({ path, language: LANGUAGES[path.split('.').pop()!], bytes: 100, lines: 5, hash: path })),
    skipped: [],
    symbols,
    rank: new Map(paths.map((path) => [path, 1 / paths.length])),
    map: {} as RepoMap,
    imports: { edges: importsOf(files), external: new Map(), packages: new Map(), unresolved: [] },
    head: undefined,
    churn: undefined,
  };
}

describe('untested modules', () => {
  it('says a small repository of independent files has no tests, starting with the file with the most code', async () => {
    const findings = await untestedModules(
      factsOf({
        'greet.ts': file(['greetPerson']),
        'math.ts': file(['addNumbers', 'multiplyNumbers']),
        'counter.ts': file(['createCounter']),
      }),
    );
    assert.equal(findings.length, 1);
    const [none] = findings;
    assert.equal(none!.title, 'No tests found in the repository');
    assert.equal(none!.file, 'math.ts');
    assert.match(none!.why, /None of the 3 source files has a test/);
    assert.match(none!.fix, /^Start with math\.ts \(no file uses another, and it defines the most code: 2 functions and classes\): write tests/);
  });

  it('still starts a repository without tests at its busiest file', async () => {
    const [none] = await untestedModules(
      factsOf({
        'core.ts': file(['parseConfig']),
        'a.ts': file(['runAlpha'], ['parseConfig']),
        'b.ts': file(['runBravo', 'stopBravo'], ['parseConfig']),
      }),
    );
    assert.equal(none!.file, 'core.ts');
    assert.match(none!.fix, /^Start with the busiest module, core\.ts \(it is the #1 most central file of 3 \(2 files use it\)\)/);
  });

  it('reports nothing where tests exist and no file is busy', async () => {
    assert.deepEqual(
      await untestedModules(factsOf({ 'math.ts': file(['addNumbers']), 'greet.ts': file(['greetPerson']), 'setup.test.ts': file(['checkSetup']) })),
      [],
    );
  });

  it('judges a file tested when a test imports it, not when a test is named after it', async () => {
    const untested = await untestedModules(
      factsOf({
        'src/core.ts': file(['parseConfig']),
        'src/util.ts': file(['formatDate']),
        'src/app.ts': file(['runApp'], ['parseConfig', 'formatDate']),
        'test/core.test.ts': file([], ['parseConfig']),
        // Named after util.ts, but imports nothing from it.
        'test/util.test.ts': file(['checkNothing']),
      }),
    );
    assert.deepEqual(
      untested.map((f) => f.file),
      ['src/util.ts'],
    );
    assert.match(untested[0]!.why, /yet no test file imports it; a regression here reaches its callers unnoticed\. Judged from the import graph/);
    assert.equal(untested[0]!.severity, 'warning');
    assert.equal(untested[0]!.certainty, 'likely');
  });

  it('counts what a barrel file re-exports as tested by the test that imports the barrel', async () => {
    const untested = await untestedModules(
      factsOf({
        'pkg/parse.ts': file(['parseConfig']),
        'pkg/index.ts': file(['createPackage'], ['parseConfig']),
        'pkg/cli.ts': file(['runCli'], ['createPackage', 'parseConfig']),
        'pkg/index.test.ts': file([], ['createPackage']),
      }),
    );
    assert.deepEqual(untested, []);
  });

  it('never reports examples, scripts, fixtures, benchmarks, docs or declaration files', async () => {
    const untested = await untestedModules(
      factsOf({
        'examples/src/db.ts': file(['listDrinks']),
        'examples/src/a.ts': file(['runA'], ['listDrinks', 'loadFixture', 'timeIt', 'declared']),
        'examples/src/b.ts': file(['runB'], ['listDrinks', 'loadFixture', 'timeIt', 'declared']),
        'test/fixtures/load.ts': file(['loadFixture']),
        'bench/time.ts': file(['timeIt']),
        'src/types.d.ts': file(['declared']),
        'src/main.test.ts': file(['checkMain']),
      }),
    );
    assert.deepEqual(untested, []);
  });

  it('tells production code from the rest by its path', async () => {
    const production = ['src/voice/agent.ts', 'server/log.ts', 'lib/parse.py', 'pkg/handler.go', 'src/lib.rs', 'app/models/user.rb', 'src/config.ts'];
    const other = [
      'examples/src/drive-thru/database.ts',
      'example/main.go',
      'test/fixtures/x.ts',
      'scripts/release.ts',
      'benchmarks/run.py',
      'bench/imports.ts',
      'docs/conf.py',
      'third_party/zlib/inflate.c',
      'src/index.d.ts',
      'api/service.pb.go',
      'api/service_pb2.py',
      'vite.config.ts',
      'eslint.config.mjs',
      '.eslintrc.js',
      'setup.py',
      'build.rs',
      'esbuild.mjs',
      'src/app.test.ts',
      'tests/test_app.py',
    ];
    assert.deepEqual(
      production.filter((path) => !isProductionFile(path)),
      [],
    );
    assert.deepEqual(other.filter(isProductionFile), []);
  });

  it("uses each language's own rule: a Go package's _test.go, a Rust file's #[cfg(test)] module, a C source's header", async () => {
    const rustTests: ImportStatement = { specifier: 'tests', line: 9, kind: 'inline', test: true };
    const untested = await untestedModules(
      factsOf({
        'pkg/store/store.go': file(['Open']),
        'pkg/store/store_test.go': file(['TestOpen']),
        'pkg/api/api.go': file(['Serve'], ['Open', 'parse', 'compress']),
        'pkg/cli/cli.go': file(['Main'], ['Open', 'parse', 'compress']),
        'src/parse.rs': { ...file(['parse']), imports: [rustTests] },
        'src/zip.c': file(['compress']),
        'src/zip.h': file(['compressDecl']),
        'tests/zip_test.c': file([], ['compressDecl']),
      }),
    );
    assert.deepEqual(
      untested.map((f) => f.file),
      [],
      untested.map((f) => f.why).join('\n'),
    );
  });

  it('says the Go, Rust and C rule it looked for when a file breaks it', async () => {
    const untested = await untestedModules(
      factsOf({
        'pkg/store/store.go': file(['Open']),
        'pkg/api/api.go': file(['Serve'], ['Open', 'parse', 'compress']),
        'pkg/api/api_test.go': file(['TestServe']),
        'src/parse.rs': file(['parse']),
        'src/zip.c': file(['compress']),
      }),
    );
    const why = new Map(untested.map((f) => [f.file, f.why]));
    assert.match(why.get('pkg/store/store.go') ?? '', /and its folder has no _test\.go file/);
    assert.match(why.get('src/parse.rs') ?? '', /it has no #\[cfg\(test\)\] module of its own/);
    assert.match(why.get('src/zip.c') ?? '', /nor its header/);
  });

  it('matches Ruby tests by name, and says it is a guess', async () => {
    const facts = factsOf({
      'app/models/user.rb': file(['User']),
      'app/models/order.rb': file(['Order']),
      'test/models/user_test.rb': file(['UserTest']),
    });
    const churn = new Map(['app/models/user.rb', 'app/models/order.rb'].map((path) => [path, { commits: 5, added: 10, deleted: 2 }]));
    const untested = await untestedModules({ ...facts, churn: { days: 90, commits: 5, files: churn } });
    assert.deepEqual(
      untested.map((f) => [f.file, f.severity]),
      [['app/models/order.rb', 'information']],
    );
    assert.match(untested[0]!.why, /no test file is named after it\. Parley does not resolve Ruby requires, so this is judged by file names only/);
    assert.equal(untested[0]!.certainty, 'heuristic');
  });

  it('counts a file as tested when a tested file passes its code on, and reads what passes it on', async () => {
    const dir = tempDir('untested-reexport');
    try {
      const sources: Record<string, string> = {
        'src/log.ts': "import { type LoggerOptions, log, loggerOptions } from './log_core.js';\nexport { log, loggerOptions, type LoggerOptions };\n",
        'src/uses.ts': "import { parse } from './parse.js';\nexport const run = () => parse();\n",
      };
      for (const [path, text] of Object.entries(sources)) {
        mkdirSync(dirname(join(dir.path, path)), { recursive: true });
        writeFileSync(join(dir.path, path), text);
      }
      const facts = factsOf({
        'src/log_core.ts': file(['log']),
        'src/parse.ts': file(['parse']),
        'src/log.ts': file(['initLogger'], ['log']),
        'src/uses.ts': file(['run'], ['parse']),
        'src/app.ts': file(['main'], ['log', 'parse', 'initLogger', 'run']),
        'src/log.test.ts': file([], ['initLogger', 'run']),
      });
      for (const targets of facts.imports.edges.values())
        for (const edge of targets.values()) edge.specifier = `./${edge.to.split('/').pop()!.replace(/\.ts$/, '.js')}`;
      const untested = await untestedModules({ ...facts, root: dir.path });
      // log.ts passes log_core's names on; uses.ts only calls parse.
      assert.deepEqual(
        untested.map((f) => f.file),
        ['src/parse.ts'],
      );
    } finally {
      dir.cleanup();
    }
  });

  it('recognises the ways a JS/TS file re-exports', () => {
    assert.ok(reExports("export * from './a.js';", './a.js'));
    assert.ok(reExports("export * as a from './a.js';", './a.js'));
    assert.ok(reExports("export { x, type Y } from './a.js';", './a.js'));
    assert.ok(reExports("import {\n  x as y,\n  z,\n} from './a.js';\nexport { y };", './a.js'));
    assert.ok(reExports("import x from './a.js';\nexport default x;", './a.js'));
    assert.ok(!reExports("import { x } from './a.js';\nexport const y = x();", './a.js'));
    assert.ok(!reExports("import { x } from './b.js';\nimport { y } from './a.js';\nexport { x };", './a.js'));
  });

  it('does not count a class with no code in it as behaviour to test', async () => {
    const exception = { name: 'AnamException', kind: 'class' as const, line: 30, endLine: 30, signature: 'export class AnamException extends Error {}' };
    const facts = factsOf({
      'plugins/anam/src/types.ts': { defs: [exception], refs: NO_REFERENCES },
      'plugins/anam/src/api.ts': file(['connect'], ['AnamException']),
      'plugins/anam/src/avatar.ts': file(['start'], ['AnamException', 'connect']),
      'plugins/anam/src/api.test.ts': file([], ['connect']),
    });
    assert.deepEqual(
      (await untestedModules(facts)).map((f) => f.file),
      [],
    );
  });
});
