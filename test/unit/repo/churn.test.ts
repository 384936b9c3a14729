/**
 * Change history for hotspots from a real git repository, also when git cannot read every blob of
 * it (a partial clone, a copy without its largest files): the commits per file still count.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RepoFacts } from '../../../server/repo/findings/facts';
import { churn, headState } from '../../../server/repo/findings/git';
import { hotspots } from '../../../server/repo/findings/hotspots';
import { setWorkspaceTrusted } from '../../../server/process/trust';
import { tempDir } from '../../support/paths';
import { git } from '../../support/review-repo';

setWorkspaceTrusted(true);

describe('churn', { timeout: 30_000 }, () => {
  const dir = tempDir('churn');
  let lostBlob: string;

  before(() => {
    git(dir.path, 'init', '-q', '-b', 'main');
    for (const [round, text] of ['one\n', 'one\ntwo\n', 'one\ntwo\nthree\n'].entries()) {
      writeFileSync(join(dir.path, 'engine.ts'), text);
      writeFileSync(join(dir.path, 'notes.md'), `round ${round}\n`);
      git(dir.path, 'add', '-A');
      git(dir.path, 'commit', '-q', '-m', `Round ${round}`);
    }
    lostBlob = git(dir.path, 'rev-parse', 'HEAD~1:engine.ts').trim();
  });
  after(() => dir.cleanup());

  it('counts commits and lines per file', async () => {
    const history = await churn(dir.path, (await headState(dir.path))!);
    assert.deepEqual(history?.files.get('engine.ts'), { commits: 3, added: 3, deleted: 0 });
    assert.notEqual(history?.linesCounted, false);
  });

  it('still counts the commits per file when a blob of the history is missing, without line counts', async () => {
    rmSync(join(dir.path, '.git', 'objects', lostBlob.slice(0, 2), lostBlob.slice(2)));
    assert.throws(() => git(dir.path, 'log', '--numstat', '--format=%ct'), 'the history cannot be diffed any more');
    const history = await churn(dir.path, (await headState(dir.path))!);
    assert.equal(history?.linesCounted, false);
    assert.equal(history?.commits, 3);
    assert.deepEqual(history?.files.get('engine.ts'), { commits: 3, added: 0, deleted: 0 });
    assert.equal(history?.files.get('notes.md')?.commits, 3);
  });

  it('gives a hotspot without line counts when they could not be read', () => {
    const files = new Map([
      ['engine.ts', { commits: 9, added: 0, deleted: 0 }],
      ...['a.ts', 'b.ts', 'c.ts'].map((path) => [path, { commits: 1, added: 0, deleted: 0 }] as const),
    ]);
    const facts = {
      files: [{ path: 'engine.ts', language: 'typescript', bytes: 9000, lines: 300, hash: 'a' }],
      churn: { files, commits: 9, days: 180, linesCounted: false },
    } as unknown as RepoFacts;
    const [hotspot] = hotspots(facts);
    assert.match(hotspot!.why, /^It changed in 9 commits over the last 180 days of history and is 300 lines long\./);
  });

  it('finds hotspots in production code only, not in tests, examples or scripts that change with it', () => {
    const busy = ['src/engine.ts', 'tests/test_engine.py', 'test/test_core.rb', 'src/engine_test.go', 'examples/demo.ts', 'scripts/release.ts'];
    const quiet = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts', 'f.ts', 'g.ts'];
    const files = new Map<string, { commits: number; added: number; deleted: number }>([
      ...busy.map((path): [string, { commits: number; added: number; deleted: number }] => [path, { commits: 20, added: 200, deleted: 100 }]),
      ...quiet.map((path): [string, { commits: number; added: number; deleted: number }] => [path, { commits: 1, added: 1, deleted: 0 }]),
    ]);
    const facts = {
      files: busy.map((path, index) => ({ path, language: 'typescript', bytes: 40_000, lines: 1000 + index, hash: path })),
      churn: { files, commits: 40, days: 180 },
    } as unknown as RepoFacts;
    assert.deepEqual(
      hotspots(facts).map((finding) => finding.file),
      ['src/engine.ts'],
    );
  });
});
