/**
 * Broken frames on the server's stdin: the server says what was wrong and exits non-zero, so the
 * editor restarts it, instead of living on without hearing another message. A well-framed message
 * that is not JSON-RPC is only logged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StatusRequest } from '../../protocol/lsp';
import { STALLED_FRAME_MS } from '../../server/stdio';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('server stdin frames', { timeout: 60_000 }, () => {
  const dir = tempDir('stdio');
  let count = 0;
  after(() => dir.cleanup());

  async function server(): Promise<TestServer> {
    const root = join(dir.path, String(++count));
    return startServer({ storage: { globalStoragePath: join(root, 'g'), workspaceStoragePath: join(root, 'w') } });
  }

  /** Writes `bytes` straight onto the server's stdin, past the test's own JSON-RPC writer. */
  function send(target: TestServer, bytes: string): void {
    target.process.stdin!.write(bytes);
  }

  /** A server that is still running at the end would not answer a shutdown either: it is killed. */
  function end(target: TestServer): void {
    if (target.process.exitCode === null) target.process.kill('SIGKILL');
    target.connection.dispose();
  }

  async function exitCode(target: TestServer, timeoutMs = 5_000): Promise<number> {
    return waitFor(() => target.process.exitCode, { timeoutMs, what: 'the server to exit' });
  }

  it('exits with 1 on a Content-Length that is not a number, saying so in the log', async () => {
    const target = await server();
    try {
      send(target, 'Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","method":"initialized","params":{}}');
      assert.equal(await exitCode(target), 1);
      assert.ok(
        target.logs.some((line) => line.includes('cannot read what the editor sends') && line.includes('Content-Length value must be a number. Got abc')),
        target.logs.join('\n'),
      );
    } finally {
      end(target);
    }
  });

  it('exits with 1 on a header block that is not LSP', async () => {
    const target = await server();
    try {
      send(target, 'GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      assert.equal(await exitCode(target), 1);
      assert.ok(
        target.logs.some((line) => line.includes("Message header must separate key and value using ':'")),
        target.logs.join('\n'),
      );
    } finally {
      end(target);
    }
  });

  it('exits with 1 when a Content-Length promises more than comes, even with valid frames after it', async () => {
    const target = await server();
    try {
      send(target, 'Content-Length: 4000\r\n\r\n{"jsonrpc":"2.0","method":"initialized","params":{}}');
      let answered = false;
      target.connection.sendRequest(StatusRequest.type).then(
        () => (answered = true),
        () => undefined,
      );
      assert.equal(await exitCode(target, STALLED_FRAME_MS + 5_000), 1);
      assert.equal(answered, false, 'the request was swallowed by the broken frame');
      assert.ok(
        target.logs.some((line) => line.includes(`a frame is still incomplete after ${STALLED_FRAME_MS} ms`)),
        target.logs.join('\n'),
      );
    } finally {
      end(target);
    }
  });

  it('logs well-framed JSON that is not JSON-RPC and goes on answering', async () => {
    const target = await server();
    try {
      send(target, frame('{"hello":"world"}') + frame('[1,2,3]'));
      await waitFor(() => target.logs.filter((line) => line.includes('neither a response nor a notification')).length >= 2, { what: 'the junk to be logged' });
      const report = await target.connection.sendRequest(StatusRequest.type);
      assert.ok(report.versions.sqlite);
      assert.equal(target.process.exitCode, null);
    } finally {
      await target.stop();
    }
  });
});
