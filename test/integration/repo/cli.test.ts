/** `parley repomap` as the command line calls it: text or JSON, within the budget, one-line errors. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repomapCommand } from '../../../server/repo/cli';
import { REPO, tempDir } from '../../support/paths';

const FIXTURES = join(REPO, 'test', 'fixtures', 'repo', 'symbols');

interface JsonMap {
  files: { path: string; rank: number; symbols: { name: string; kind: string; line: number; signature: string }[] }[];
  stats: { files: number; tokens: number; parsed: number };
}

describe('parley repomap', { timeout: 120_000 }, () => {
  it('prints the ranked map within the token budget', async () => {
    const text = await repomapCommand([FIXTURES, '--tokens', '120', '--no-cache']);
    assert.match(text, /^[\w./]+:\n {2}\s*\d+│ /);
    assert.ok(text.length / 4 <= 120);
  });

  it('prints JSON with files, ranks, symbols and stats, and caches symbols for the next run', async () => {
    const cache = tempDir('repomap-cache');
    try {
      const env = { XDG_CACHE_HOME: cache.path };
      const first = JSON.parse(await repomapCommand([FIXTURES, '--json', '--focus', 'main.go'], env)) as JsonMap;
      assert.ok(first.files.length > 0);
      assert.equal(first.files[0]?.path, 'shapes.go', 'what the focused file uses comes first');
      assert.deepEqual(Object.keys(first.files[0]!.symbols[0]!), ['name', 'kind', 'line', 'signature']);
      assert.ok(first.stats.tokens <= 1024);
      assert.ok(first.stats.parsed > 20);
      assert.ok(existsSync(join(cache.path, 'parley', 'repomap')));
      const second = JSON.parse(await repomapCommand([FIXTURES, '--json', '--focus', join(FIXTURES, 'main.go')], env)) as JsonMap;
      assert.equal(second.stats.parsed, 0, 'the second run takes every symbol from the cache');
      assert.deepEqual(second.files, first.files);
    } finally {
      cache.cleanup();
    }
  });

  it('rejects bad input with a one-line message', async () => {
    await assert.rejects(repomapCommand([]), /^Error: parley repomap: which folder\?/);
    await assert.rejects(repomapCommand([join(FIXTURES, 'nope')]), /nope is not a folder\.$/);
    await assert.rejects(repomapCommand([FIXTURES, '--tokens', 'many']), /--tokens must be a positive whole number, not "many"/);
    await assert.rejects(
      repomapCommand([FIXTURES, '--colour']),
      (error: Error) => /Unknown option '--colour'/.test(error.message) && !error.message.includes('\n'),
    );
  });
});
