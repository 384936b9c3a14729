/** `parley exec` and `parley run` through the built command line, as a script uses them (`npm run build` first). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runParley } from '../../support/cli';
import { tempDir } from '../../support/paths';
import { pythonWithMatplotlib } from './python';

const dir = tempDir('hands-cli');
after(() => dir.cleanup());
const parley = (args: string[]) =>
  runParley(args, { cwd: dir.path, env: { HOME: dir.path, ANTHROPIC_API_KEY: 'sk-ant-api03-clikey000000000000' }, timeoutMs: 60_000 });

describe('parley exec and parley run', { timeout: 120_000 }, () => {
  it('exec --python with a plot --json → ok, stdout with the value, the PNG written to --out-dir', async () => {
    const out = join(dir.path, 'figures');
    const { code, stdout, stderr } = await parley([
      'exec',
      '--python',
      'import matplotlib.pyplot as plt\nplt.plot([1, 2])\nprint("drawn")\n6 * 7',
      '--python-path',
      pythonWithMatplotlib(),
      '--out-dir',
      out,
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { outcome: string; stdout: string; stderr: string; images: string[]; ms: number };
    assert.deepEqual(
      { outcome: report.outcome, stdout: report.stdout, stderr: report.stderr, images: report.images },
      { outcome: 'ok', stdout: 'drawn\n42\n', stderr: '', images: [join(out, 'figure-1.png')] },
    );
    assert.equal(readFileSync(report.images[0]!).subarray(1, 4).toString(), 'PNG');
    assert.ok(report.ms >= 0);
  });

  it('exec --python past --timeout-ms → outcome timeout, exit 1', async () => {
    const { code, stdout } = await parley(['exec', '--python', 'while True: pass', '--python-path', pythonWithMatplotlib(), '--timeout-ms', '500', '--json']);
    assert.equal(code, 1);
    assert.equal((JSON.parse(stdout) as { outcome: string }).outcome, 'timeout');
  });

  it('exec --node with an error → outcome error, the stack on stderr', async () => {
    const { code, stdout } = await parley(['exec', '--node', 'console.log("before"); undefinedThing()', '--json']);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { outcome: string; stdout: string; stderr: string; images: string[] };
    assert.deepEqual({ outcome: report.outcome, stdout: report.stdout, images: report.images }, { outcome: 'error', stdout: 'before\n', images: [] });
    assert.match(report.stderr, /ReferenceError: undefinedThing is not defined/);
  });

  it('run -- <command> --json → its output streamed, then one JSON line; its exit code is parley’s; no key in its environment', async () => {
    const { code, stdout } = await parley(['run', '--json', '--', 'sh', '-c', 'echo "first"; env; exit 3']);
    assert.equal(code, 3);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'first');
    assert.doesNotMatch(stdout, /sk-ant|ANTHROPIC/);
    assert.deepEqual({ ...JSON.parse(lines.at(-1)!), ms: 0 }, { exitCode: 3, ms: 0, signal: null, outcome: 'error' });
  });

  it('run past --timeout-ms → killed, signal SIGKILL in the last line', async () => {
    const { code, stdout } = await parley(['run', '--timeout-ms', '300', '--json', '--', 'sleep', '30']);
    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(stdout.trim()), {
      exitCode: null,
      ms: (JSON.parse(stdout.trim()) as { ms: number }).ms,
      signal: 'SIGKILL',
      outcome: 'timeout',
      reason: 'stopped after the 300 ms time limit',
    });
  });

  it('bad usage (no command after --, both languages) → exit 2 with the usage', async () => {
    const run = await parley(['run', '--json']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /give the command after "--"/);
    const exec = await parley(['exec', '--python', '1', '--node', '1']);
    assert.equal(exec.code, 2);
  });
});
