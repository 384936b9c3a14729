/**
 * Dismissed review findings (server/repo/review/dismissals.ts) and the stable ids they hang on
 * (server/repo/findings/finding.ts): an id survives moved lines and changed counts, differs between
 * files and kinds, and the dismissed list survives a damaged file without losing it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finding } from '../../server/repo/findings/finding';
import { Dismissals } from '../../server/repo/review/dismissals';
import { tempDir } from '../support/paths';

const base = {
  file: 'src/a.ts',
  line: 3,
  severity: 'warning',
  kind: 'large-file',
  title: 'Large file: src/a.ts (812 lines)',
  why: 'It is long.',
  fix: 'Split it.',
} as const;

describe('review finding ids', () => {
  it('stay the same when the line moves or a count in the title changes', () => {
    const id = finding(base).id;
    assert.match(id, /^large-file-[0-9a-f]{12}$/);
    assert.equal(finding({ ...base, line: 40 }).id, id);
    assert.equal(finding({ ...base, title: 'Large file: src/a.ts (901 lines)' }).id, id);
  });

  it('differ for another file, another kind, or another key', () => {
    const id = finding(base).id;
    assert.notEqual(finding({ ...base, file: 'src/b.ts', title: 'Large file: src/b.ts (812 lines)' }).id, id);
    assert.notEqual(finding({ ...base, kind: 'hotspot' }).id, id);
    assert.equal(finding({ ...base, key: 'module src' }).id, finding({ ...base, file: 'src/b.ts', key: 'module src' }).id, 'a key decides alone');
  });

  it('say how sure a heuristic is in the message, and nothing for a certain one', () => {
    assert.match(finding({ ...base, certainty: 'heuristic' }).message, /^It is long\. \(A rule of thumb, .*\) Suggested fix: Split it\.$/);
    assert.equal(finding({ ...base, certainty: 'certain' }).message, 'It is long. Suggested fix: Split it.');
  });
});

describe('dismissed findings', () => {
  it('are kept per repository, listed newest first, and restored one by one or all', () => {
    const dir = tempDir('dismissals');
    try {
      const store = new Dismissals(dir.path);
      store.dismiss('/repo/one', { id: 'a', title: 'A', file: 'a.ts' });
      store.dismiss('/repo/one', { id: 'b', title: 'B', file: 'b.ts' });
      store.dismiss('/repo/two', { id: 'a', title: 'A', file: 'a.ts' });
      assert.deepEqual([...new Dismissals(dir.path).ids('/repo/one')].sort(), ['a', 'b'], 'read back by a new instance');
      assert.equal(store.restore('/repo/one', ['a', 'missing']), 1);
      assert.deepEqual([...store.ids('/repo/one')], ['b']);
      assert.deepEqual([...store.ids('/repo/two')], ['a'], 'another repository is untouched');
      assert.equal(store.restore('/repo/one'), 1);
      assert.deepEqual(store.list('/repo/one'), []);
    } finally {
      dir.cleanup();
    }
  });

  it('keep a damaged file aside, say so, and start an empty list', () => {
    const dir = tempDir('dismissals-damaged');
    try {
      const file = join(dir.path, 'dismissed-findings.json');
      writeFileSync(file, '{"version": 1, "repositories": {"/r": ');
      const said: string[] = [];
      const store = new Dismissals(dir.path, (message) => said.push(message));
      assert.deepEqual([...store.ids('/r')], []);
      assert.match(said[0]!, /could not be read; it was kept as .*dismissed-findings\.json\.damaged-\d+/);
      const aside = readdirSync(dir.path).find((name) => name.includes('.damaged-'))!;
      assert.equal(readFileSync(join(dir.path, aside), 'utf8'), '{"version": 1, "repositories": {"/r": ');
      store.dismiss('/r', { id: 'x', title: 'X', file: 'x.ts' });
      assert.ok(existsSync(file));
      assert.deepEqual([...store.ids('/r')], ['x']);
    } finally {
      dir.cleanup();
    }
  });
});
