/** The parser threads: symbols come back in order, failures stay per file, and no thread outlives its use. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ParserPool } from '../../../server/repo/symbols/pool';
import { waitFor } from '../../support/poll';
import { REPO, tempDir } from '../../support/paths';

const FIXTURES = join(REPO, 'test', 'fixtures', 'repo', 'symbols');

describe('ParserPool', { timeout: 60_000 }, () => {
  it('parses files in worker threads and answers in the order asked', async () => {
    const pool = new ParserPool({ size: 2 });
    try {
      const files = ['shapes.ts', 'shapes.py', 'shapes.go', 'Circle.java', 'missing.rs', 'circle.rb'];
      const languages = ['typescript', 'python', 'go', 'java', 'rust', 'ruby'] as const;
      const results = await pool.parse(files.map((file, index) => ({ file: join(FIXTURES, file), language: languages[index]! })));
      const firstDef = (index: number) => {
        const result = results[index]!;
        return 'symbols' in result ? result.symbols.defs[0]?.name : `error: ${result.error}`;
      };
      assert.deepEqual([0, 1, 2, 3, 5].map(firstDef), ['Shape', 'Circle', 'Circle', 'Circle', 'Shapes']);
      assert.match(firstDef(4)!, /^error: .*ENOENT/);
      assert.equal(pool.threadCount, 2);
    } finally {
      await pool.dispose();
    }
    assert.equal(pool.threadCount, 0);
  });

  it('counts the syntax errors in a text, and none in a clean one', async () => {
    const pool = new ParserPool({ size: 1 });
    try {
      const [clean, broken, missing] = await Promise.all([
        pool.syntax({ language: 'typescript', text: 'export const a: number = 1;\n' }),
        pool.syntax({ language: 'python', text: 'def f(:\n    return 1\n\nx = 2\n' }),
        pool.syntax({ language: 'javascript', text: 'function f() {\n  return g(1;\n}\n' }),
      ]);
      assert.deepEqual(clean, { errors: 0 });
      assert.ok(broken && 'errors' in broken && broken.errors >= 1 && broken.firstLine === 1, JSON.stringify(broken));
      assert.ok(missing && 'errors' in missing && missing.errors >= 1 && missing.firstLine === 2, JSON.stringify(missing));
    } finally {
      await pool.dispose();
    }
  });

  it('stops idle threads and starts them again when work comes', async () => {
    const pool = new ParserPool({ size: 1, idleMs: 50 });
    try {
      await pool.parse([{ file: join(FIXTURES, 'shapes.ts'), language: 'typescript' }]);
      await waitFor(() => pool.threadCount === 0, { what: 'idle threads to stop' });
      const [result] = await pool.parse([{ file: join(FIXTURES, 'main.ts'), language: 'typescript' }]);
      assert.ok(result && 'symbols' in result);
    } finally {
      await pool.dispose();
    }
  });

  it('fails work submitted after shutdown with a clear message', async () => {
    const pool = new ParserPool({ size: 1 });
    await pool.dispose();
    await assert.rejects(pool.parse([{ file: join(FIXTURES, 'shapes.ts'), language: 'typescript' }]), /shut down/);
  });

  it('never keeps a process alive, even when nobody disposes the pool', () => {
    const dir = tempDir('pool-exit');
    try {
      const script = join(dir.path, 'use-pool.ts');
      writeFileSync(
        script,
        `import { ParserPool } from ${JSON.stringify(join(REPO, 'server/repo/symbols/pool'))};\n` +
          `new ParserPool().parse([{ file: ${JSON.stringify(join(FIXTURES, 'shapes.ts'))}, language: 'typescript' }]).then((r) => console.log(JSON.stringify(r).length > 0));\n`,
      );
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.signal, null, 'the process exited by itself');
      assert.equal(run.stdout.trim(), 'true', run.stderr);
      assert.equal(run.status, 0);
    } finally {
      dir.cleanup();
    }
  });
});
