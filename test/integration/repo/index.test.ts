/** RepoIndex over a real git repository: parse once, re-parse only what changed, keep the map current. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../../server/log';
import { RepoIndex } from '../../../server/repo';
import { RepoIndexes } from '../../../server/repo/indexes';
import { eachReference, type Reference } from '../../../server/repo/symbols/types';
import { REPO, tempDir } from '../../support/paths';
import { setWorkspaceTrusted } from '../../../server/process/trust';

// These repositories are read as in a trusted workspace; the untrusted case has tests of its own.
setWorkspaceTrusted(true);

const FIXTURES = join(REPO, 'test', 'fixtures', 'repo', 'symbols');
/** The fixture files Parley parses (every one of them is source in a supported language). */
const SOURCE_FILES = 25;

/** A git repository holding the symbol fixtures; `use` gets its path and an index over it. */
async function withRepository(use: (root: string, cacheFile: string) => Promise<void>): Promise<void> {
  const dir = tempDir('repo-index');
  const root = join(dir.path, 'repo');
  cpSync(FIXTURES, root, { recursive: true });
  writeFileSync(join(root, '.gitignore'), 'scratch/\n');
  execFileSync('git', ['-C', root, 'init', '-q']);
  try {
    await use(root, join(dir.path, 'cache', 'symbols.json'));
  } finally {
    dir.cleanup();
  }
}

async function withIndex(root: string, cacheFile: string | undefined, use: (index: RepoIndex) => Promise<void>): Promise<void> {
  const index = new RepoIndex(root, { cacheFile, poolSize: 2 });
  try {
    await use(index);
  } finally {
    await index.dispose();
  }
}

describe('RepoIndex', { timeout: 120_000 }, () => {
  it('parses every source file once, then only the file that was edited', () =>
    withRepository((root) =>
      withIndex(root, undefined, async (index) => {
        const first = await index.refresh();
        assert.deepEqual([first.parsed, first.failed], [SOURCE_FILES, []]);
        assert.equal(index.parseCount, SOURCE_FILES);

        appendFileSync(join(root, 'shapes.py'), '\n\ndef make_square(side):\n    return side * side\n');
        const edited = await index.refresh([join(root, 'shapes.py')]);
        assert.equal(edited.parsed, 1);
        assert.equal(index.parseCount, SOURCE_FILES + 1);
        assert.ok(index.symbols('shapes.py')?.defs.some((def) => def.name === 'make_square'));

        await index.refresh(['shapes.py']);
        await index.refresh();
        assert.equal(index.parseCount, SOURCE_FILES + 1, 'nothing changed, nothing parsed');

        appendFileSync(join(root, 'main.go'), '\n// touched\n');
        assert.equal((await index.refresh()).parsed, 1, 'a full refresh re-parses only the changed file');
      }),
    ));

  it('parses identical files once and gives each of them the symbols', () =>
    withRepository((root) =>
      withIndex(root, undefined, async (index) => {
        cpSync(join(root, 'shapes.py'), join(root, 'copy_of_shapes.py'));
        cpSync(join(root, 'shapes.py'), join(root, 'again.py'));
        const first = await index.refresh();
        assert.equal(first.parsed, SOURCE_FILES + 2, 'every file gets symbols');
        assert.equal(index.parseCount, SOURCE_FILES, 'the two copies shared the original parse');
        assert.deepEqual(index.symbols('copy_of_shapes.py'), index.symbols('shapes.py'));
        assert.deepEqual(index.symbols('again.py'), index.symbols('shapes.py'));
      }),
    ));

  it('writes the cache after the refresh result has been used, and at once when asked or disposed', () =>
    withRepository(async (root, cacheFile) => {
      const index = new RepoIndex(root, { cacheFile, poolSize: 1 });
      try {
        await index.refresh();
        assert.equal(existsSync(cacheFile), false, 'not yet: the caller maps first');
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(existsSync(cacheFile), true, 'written on the next turn of the event loop');
        rmSync(cacheFile);
        appendFileSync(join(root, 'main.go'), '\n// touched\n');
        await index.refresh();
        index.saveCache();
        assert.equal(existsSync(cacheFile), true, 'saveCache writes a pending cache at once');
        rmSync(cacheFile);
        appendFileSync(join(root, 'main.go'), '\n// touched again\n');
        await index.refresh();
      } finally {
        await index.dispose();
      }
      assert.equal(existsSync(cacheFile), true, 'dispose writes a pending cache');
    }));

  it('keeps symbols between runs in the cache file', () =>
    withRepository(async (root, cacheFile) => {
      await withIndex(root, cacheFile, async (index) => void (await index.refresh()));
      appendFileSync(join(root, 'shapes.ts'), '\nexport const UNIT = 1;\n');
      await withIndex(root, cacheFile, async (index) => {
        assert.equal((await index.refresh()).parsed, 1);
        assert.ok(index.symbols('shapes.ts')?.defs.some((def) => def.name === 'UNIT'));
        assert.ok(
          index.symbols('Circle.java')?.defs.some((def) => def.name === 'Circle'),
          'cached symbols are used',
        );
      });
      const written = statSync(cacheFile).mtimeMs;
      await withIndex(root, cacheFile, async (index) => assert.equal((await index.refresh()).parsed, 0));
      assert.equal(statSync(cacheFile).mtimeMs, written, 'a run that changed nothing does not rewrite the cache');
      rmSync(join(root, 'main.go'));
      await withIndex(root, cacheFile, async (index) => void (await index.refresh()));
      assert.ok(statSync(cacheFile).mtimeMs > written, 'a deleted file leaves the cache');
    }));

  it('gives the same references and map from the cache as from parsing, and parses again after a cache of an older format', () =>
    withRepository(async (root, cacheFile) => {
      let parsed: { refs: Reference[]; map: string } | undefined;
      const read = (index: RepoIndex) => ({ refs: [...eachReference(index.symbols('main.ts')!.refs)], map: index.map({ tokens: 512 }).text });
      await withIndex(root, cacheFile, async (index) => {
        await index.refresh();
        parsed = read(index);
      });
      assert.ok(parsed!.refs.length > 0);
      await withIndex(root, cacheFile, async (index) => {
        assert.equal((await index.refresh()).parsed, 0);
        assert.deepEqual(read(index), parsed, 'packed references survive the cache file');
      });
      // A cache written before references were packed: its entries are not read as the new shape.
      const old = JSON.parse(readFileSync(cacheFile, 'utf8')) as { format?: number };
      delete old.format;
      writeFileSync(cacheFile, JSON.stringify(old));
      await withIndex(root, cacheFile, async (index) => {
        assert.equal((await index.refresh()).parsed, SOURCE_FILES);
        assert.deepEqual(read(index), parsed);
      });
    }));

  it('follows created, deleted and ignored files', () =>
    withRepository((root) =>
      withIndex(root, undefined, async (index) => {
        await index.refresh();
        writeFileSync(join(root, 'extra.ts'), 'export function extra(): void {}\n');
        cpSync(join(root, 'extra.ts'), join(root, 'scratch', 'notes.ts'));
        rmSync(join(root, 'main.rb'));
        const result = await index.refresh(['extra.ts', 'scratch/notes.ts', 'main.rb', '/elsewhere/outside.ts']);
        assert.deepEqual([result.parsed, result.removed], [1, 1]);
        const paths = index.scan().files.map((file) => file.path);
        assert.ok(paths.includes('extra.ts'));
        assert.ok(!paths.includes('scratch/notes.ts'), 'ignored by .gitignore');
        assert.ok(!paths.includes('main.rb'));
      }),
    ));

  it('maps the repository and follows the focus', () =>
    withRepository((root) =>
      withIndex(root, undefined, async (index) => {
        await index.refresh();
        const map = index.map({ tokens: 400 });
        assert.ok(map.tokens <= 400);
        const again = index.map({ tokens: 400 });
        assert.deepEqual([again.text, again.files, again.ranking], [map.text, map.files, map.ranking]);
        const focused = index.map({ tokens: 400, focus: ['main.go'] });
        assert.deepEqual(
          focused.ranking.slice(0, 2).map((entry) => entry.path),
          ['main.go', 'shapes.go'],
          'the focused file, then what it uses',
        );
        assert.match(focused.text, /^shapes\.go:\n/);
      }),
    ));
});

describe('RepoIndexes', { timeout: 120_000 }, () => {
  it('keeps one index per folder for every user, replaced only when the review asks for other exclusions', () =>
    withRepository(async (root, cacheFile) => {
      const indexes = new RepoIndexes({ log: createLogger(() => undefined), cacheDir: dirname(cacheFile), poolSize: 1 });
      try {
        const forFixes = indexes.get(root);
        assert.equal(indexes.get(root, []), forFixes, 'the same patterns keep the index');
        const first = await forFixes.refresh([join(root, 'shapes.ts')]);
        assert.equal(first.parsed, SOURCE_FILES, 'an index never built is built whole, even for one path');

        const forReview = indexes.get(root, ['*.py']);
        assert.notEqual(forReview, forFixes);
        assert.equal(indexes.get(root), forReview, 'without patterns, whatever the folder has');
        const rebuilt = await forReview.refresh();
        assert.equal(rebuilt.parsed, 0, 'the replacement takes every symbol from the shared cache');
        assert.ok(!forReview.scan().files.some((file) => file.path.endsWith('.py')));
      } finally {
        await indexes.dispose();
      }
    }));
});
