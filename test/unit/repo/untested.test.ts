/** The untested-modules check on hand-made repository facts: what it says where no test exists. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DependencyGraph } from '../../../server/repo/findings/dependencies';
import type { RepoFacts } from '../../../server/repo/findings/facts';
import { untestedModules } from '../../../server/repo/findings/untested';
import type { RepoMap } from '../../../server/repo/repomap';
import type { FileSymbols } from '../../../server/repo/symbols/types';

/** A file defining one function per name in `defs` and referring to `refs`. */
function file(defs: string[], refs: string[] = []): FileSymbols {
  return {
    defs: defs.map((name, index) => ({ name, kind: 'function', line: index + 1, signature: `export function ${name}() {` })),
    refs: refs.map((name) => ({ name, line: defs.length + 1 })),
  };
}

/** Each file imports the files defining the names it refers to, as an import graph would say. */
function importsOf(files: Record<string, FileSymbols>): DependencyGraph {
  const definer = new Map(Object.entries(files).flatMap(([path, symbols]) => symbols.defs.map((def) => [def.name, path] as const)));
  return new Map(
    Object.entries(files).map(([path, symbols]) => [
      path,
      new Map(
        symbols.refs.flatMap(({ name, line }) => {
          const to = definer.get(name);
          return to
            ? [[to, { from: path, to, file: path, line, specifier: `./${to}`, target: to, uses: 1, typeOnly: false, dynamic: false, test: false }] as const]
            : [];
        }),
      ),
    ]),
  );
}

/** The facts of a TypeScript repository without git history, ranked evenly. */
function factsOf(files: Record<string, FileSymbols>): RepoFacts {
  const paths = Object.keys(files);
  const symbols = (path: string) => files[path] ?? { defs: [], refs: [] };
  return {
    root: '/repo',
    files: paths.map((path) => ({ path, language: 'typescript', bytes: 100, lines: 5, hash: path })),
    skipped: [],
    symbols,
    rank: new Map(paths.map((path) => [path, 1 / paths.length])),
    map: {} as RepoMap,
    imports: { edges: importsOf(files), external: new Map(), unresolved: [] },
    head: undefined,
    churn: undefined,
  };
}

describe('untested modules', () => {
  it('says a small repository of independent files has no tests, starting with the file with the most code', () => {
    const findings = untestedModules(
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

  it('still starts a repository without tests at its busiest file', () => {
    const [none] = untestedModules(
      factsOf({
        'core.ts': file(['parseConfig']),
        'a.ts': file(['runAlpha'], ['parseConfig']),
        'b.ts': file(['runBravo', 'stopBravo'], ['parseConfig']),
      }),
    );
    assert.equal(none!.file, 'core.ts');
    assert.match(none!.fix, /^Start with the busiest module, core\.ts \(it is the #1 most central file of 3 \(2 files use it\)\)/);
  });

  it('reports nothing where tests exist and no file is busy', () => {
    assert.deepEqual(
      untestedModules(factsOf({ 'math.ts': file(['addNumbers']), 'greet.ts': file(['greetPerson']), 'setup.test.ts': file(['checkSetup']) })),
      [],
    );
  });
});
