/**
 * What a command may do before it runs and what a model reads after: the working folder confined
 * to the workspace, the environment without keys, the process table parsed, and the tool result
 * bounded and redacted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseStat } from '../../../server/hands/procs';
import { commandResultText } from '../../../server/hands/resultText';
import { confineCwd, OutsideWorkspaceError, type CommandResult } from '../../../server/hands/run';
import { childEnv } from '../../../server/process/env';
import { KEY_SAMPLES, leakedKeys } from '../../support/secrets';
import { tempDir } from '../../support/paths';

describe('a command’s working folder', () => {
  const dir = tempDir('hands-cwd');
  const workspace = join(dir.path, 'ws');
  mkdirSync(join(workspace, 'src'), { recursive: true });
  mkdirSync(join(dir.path, 'outside'));
  symlinkSync(join(dir.path, 'outside'), join(workspace, 'escape'));
  after(() => dir.cleanup());

  it('the workspace or a folder in it → its real path', () => {
    assert.equal(confineCwd(workspace, [workspace]), workspace);
    assert.equal(confineCwd(join(workspace, 'src'), [join(workspace, 'src', '..')]), join(workspace, 'src'));
  });

  it('`..` out of it, a symlink out of it, a sibling with the same prefix, a missing folder → refused', () => {
    for (const cwd of [join(workspace, '..'), join(workspace, 'escape'), `${workspace}-other`, join(workspace, 'missing'), '/'])
      assert.throws(() => confineCwd(cwd, [workspace]), OutsideWorkspaceError, cwd);
  });

  it('no workspace folder at all → refused', () => {
    assert.throws(() => confineCwd(workspace, []), OutsideWorkspaceError);
  });
});

describe('a command’s environment', () => {
  it('the server’s keys and secret-named variables → none passed on; PATH, HOME, TERM and toolchains are', () => {
    const env = childEnv('hands', {
      PATH: '/usr/bin:.:bin',
      HOME: '/home/u',
      TERM: 'xterm-256color',
      VIRTUAL_ENV: '/v',
      ANTHROPIC_API_KEY: 'sk-ant-x',
      NPM_TOKEN: 't',
      AWS_SECRET_ACCESS_KEY: 's',
      GITHUB_AUTH: 'a',
      RANDOM_OTHER: 'r',
    });
    assert.deepEqual(env, { PATH: '/usr/bin', HOME: '/home/u', TERM: 'xterm-256color', VIRTUAL_ENV: '/v' });
  });
});

describe('the process table', () => {
  it('a command name with spaces and parentheses → fields read after the last parenthesis; a zombie → left out', () => {
    const stat = '4242 (evil) 1 2 (x) S 17 4242 4242 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 3 0 98765 1000 200 18446744073709551615';
    assert.deepEqual(parseStat(4242, stat), { pid: 4242, ppid: 17, pgid: 4242, threads: 3, startTime: '98765' });
    assert.equal(parseStat(4243, stat.replace(') S ', ') Z ')), undefined);
  });
});

describe('the tool result a model reads', () => {
  const result = (output: string, more: Partial<CommandResult> = {}): CommandResult => ({
    outcome: 'error',
    exitCode: 1,
    signal: null,
    ms: 1234,
    output,
    truncatedBytes: 0,
    ...more,
  });

  it('a failed command → outcome, exit code and time in one line, then its output', async () => {
    const text = await commandResultText('npm test', result('1 failing\n'));
    assert.equal(text, '`npm test` failed (exit code 1, 1234 ms).\nOutput:\n1 failing');
  });

  it('output with keys of every kind → none of them in the result', async () => {
    const text = await commandResultText('env', result(Object.values(KEY_SAMPLES).join('\n')));
    assert.deepEqual(leakedKeys(text), []);
  });

  it('a megabyte of output, some dropped already → at most 8,000 characters, the end kept, the drop said', async () => {
    const text = await commandResultText(
      'flood',
      result('y'.repeat(1 << 20) + 'LAST LINE', {
        outcome: 'timeout',
        exitCode: null,
        signal: 'SIGKILL',
        truncatedBytes: 5_000_000,
        reason: 'stopped after the 1000 ms time limit',
      }),
    );
    assert.ok(text.length <= 8_000, String(text.length));
    assert.ok(
      text.startsWith(
        '`flood` timed out (signal SIGKILL, 1234 ms): stopped after the 1000 ms time limit.\n(5000000 bytes of earlier output left out)\nOutput (last part):\n',
      ),
    );
    assert.ok(text.endsWith('LAST LINE'));
  });
});
