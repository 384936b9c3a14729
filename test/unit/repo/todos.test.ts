/** TODO clusters on a small tree: a cluster says how sure it is, and counts the markers that name their issue. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RepoFacts } from '../../../server/repo/findings/facts';
import { todoClusters } from '../../../server/repo/findings/todos';
import { tempDir } from '../../support/paths';

describe('TODO clusters', () => {
  it('says how many markers name an issue already, and that the cluster is a rule of thumb', async () => {
    const dir = tempDir('todos');
    try {
      const tracked = ['// TODO(AJS-36): clean this up', '// TODO: see #123', '// FIXME https://example.invalid/o/r/issues/4', '// TODO: untracked'];
      writeFileSync(join(dir.path, 'tts.ts'), `${tracked.join('\nconst a = 1;\n')}\n`);
      writeFileSync(join(dir.path, 'plain.ts'), '// TODO: one\n// TODO: two\n// TODO: three\n');
      const files = ['tts.ts', 'plain.ts'].map((path) => ({ path, language: 'typescript', bytes: 100, lines: 7, hash: path }));
      const found = await todoClusters({ root: dir.path, files } as unknown as RepoFacts);
      const why = new Map(found.map((f) => [f.file, f.why]));
      assert.match(why.get('tts.ts') ?? '', /How sure: the markers are read exactly, but 3 of them name an issue, so that work is tracked already/);
      assert.match(why.get('plain.ts') ?? '', /How sure: the markers are read exactly; whether they still matter is the team's call\./);
      assert.ok(found.every((f) => f.certainty === 'heuristic'));
    } finally {
      dir.cleanup();
    }
  });

  it('warns of a large cluster in production code, and only informs of one in a test', async () => {
    const dir = tempDir('todos-tests');
    try {
      const markers = Array.from({ length: 12 }, (_, index) => `// TODO: step ${index}`).join('\n');
      writeFileSync(join(dir.path, 'terminal.go'), `${markers}\n`);
      writeFileSync(join(dir.path, 'terminal_test.go'), `${markers}\n`);
      const files = ['terminal.go', 'terminal_test.go'].map((path) => ({ path, language: 'go', bytes: 300, lines: 12, hash: path }));
      const found = await todoClusters({ root: dir.path, files } as unknown as RepoFacts);
      assert.deepEqual(found.map((f) => [f.file, f.severity]).sort(), [
        ['terminal.go', 'warning'],
        ['terminal_test.go', 'information'],
      ]);
    } finally {
      dir.cleanup();
    }
  });
});
