/**
 * The server survives a dependency's stray errors and reports a dependency's process.exit, as
 * the editor's user would want: the conversation and the knowledge base stay up through one bad
 * callback, and a server that does go away says who ended it. The faults come from a preloaded
 * module acting as a badly behaved dependency inside the real server process.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StatusRequest } from '../../protocol/lsp';
import { LAST_LINE_MS, UNCAUGHT_LIMIT } from '../../server/protect';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';

const FAULTS = join(REPO, 'test/support/faults/process.mjs');

describe('server self-protection', { timeout: 60_000 }, () => {
  const dir = tempDir('protect');
  let count = 0;
  after(() => dir.cleanup());

  /** A server whose preloaded dependency does `fault` when sent SIGUSR2. */
  async function server(fault: string): Promise<TestServer> {
    const root = join(dir.path, String(++count));
    const env = { PATH: process.env.PATH, NODE_OPTIONS: `--import=${FAULTS}`, PARLEY_TEST_FAULT: fault };
    return startServer({ storage: { globalStoragePath: join(root, 'g'), workspaceStoragePath: join(root, 'w') }, env });
  }

  function end(target: TestServer): void {
    if (target.process.exitCode === null) target.process.kill('SIGKILL');
    target.connection.dispose();
  }

  const logged = (target: TestServer, ...parts: string[]) =>
    waitFor(() => target.logs.find((line) => parts.every((part) => line.includes(part))), {
      what: `a log line with ${parts.join(' and ')}: ${target.logs.join('\n')}`,
    });

  it('logs an error thrown in a callback nobody awaits, with its stack, and keeps answering', async () => {
    const target = await server('throw');
    try {
      target.process.kill('SIGUSR2');
      await logged(target, 'nobody to handle it; Parley carries on', 'a dependency threw in a callback', 'process.mjs');
      const report = await target.connection.sendRequest(StatusRequest.type);
      assert.ok(report.versions, 'the server answers after the error');
      assert.equal(target.process.exitCode, null);
    } finally {
      end(target);
    }
  });

  it('logs a promise rejection nobody handles and keeps answering', async () => {
    const target = await server('reject');
    try {
      target.process.kill('SIGUSR2');
      await logged(target, 'A promise failed with nobody to handle it', 'a dependency rejected a promise');
      await target.connection.sendRequest(StatusRequest.type);
      assert.equal(target.process.exitCode, null);
    } finally {
      end(target);
    }
  });

  it('says who called process.exit, then exits with that code once the line is out', async () => {
    const target = await server('exit');
    try {
      target.process.kill('SIGUSR2');
      const line = await logged(target, 'A library called process.exit(7)');
      assert.match(line, /dependencyGivesUp/, 'the stack names the caller');
      assert.equal(await waitFor(() => target.process.exitCode, { what: 'the server to exit', timeoutMs: LAST_LINE_MS + 5_000 }), 7);
    } finally {
      end(target);
    }
  });

  it('stops with 1 when errors keep coming, so that the editor starts a fresh server', async () => {
    const target = await server('storm');
    try {
      target.process.kill('SIGUSR2');
      await logged(target, 'Errors keep coming', `"count":${UNCAUGHT_LIMIT.errors + 1}`);
      assert.equal(await waitFor(() => target.process.exitCode, { what: 'the server to exit', timeoutMs: LAST_LINE_MS + 5_000 }), 1);
    } finally {
      end(target);
    }
  });

  it('shuts down at once and with 0 when the editor asks, without reporting its own exit', async () => {
    const target = await server('none');
    const started = performance.now();
    await target.stop();
    assert.equal(await target.exited, 0);
    assert.ok(performance.now() - started < LAST_LINE_MS, 'no wait for a last line');
    assert.ok(!target.logs.some((line) => line.includes('process.exit')), target.logs.join('\n'));
  });
});
