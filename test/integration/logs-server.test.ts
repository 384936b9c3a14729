/**
 * parley/logs/list and parley/logs/analyze through the real server over stdio: the sessions of a
 * projects folder, an analysis with progress, a cancelled one, and requests of the wrong shape.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol';
import { LogsAnalyzeRequest, LogsListRequest } from '../../protocol/lsp';
import { REPO, tempDir } from '../support/paths';
import { waitFor } from '../support/poll';
import { startServer, type TestServer } from '../support/server';

const CORPUS = join(REPO, '..', 'shared', 'corpora', 'claude-code-logs');

type Progress = { token: string; value: { kind: string; message?: string; percentage?: number } };

describe('Claude Code sessions through the server', { timeout: 120_000 }, () => {
  const dir = tempDir('logs-server');
  const projects = join(dir.path, 'projects');
  let server: TestServer;
  const progress: Progress[] = [];

  before(async () => {
    mkdirSync(join(projects, '-tmp'), { recursive: true });
    copyFileSync(join(CORPUS, 'edge_cases.jsonl'), join(projects, '-tmp', 'edge_cases.jsonl'));
    server = await startServer({ storage: { globalStoragePath: join(dir.path, 'g'), workspaceStoragePath: join(dir.path, 'w') } });
    server.connection.onNotification('$/progress', (params: Progress) => void progress.push(params));
    server.connection.onRequest('window/workDoneProgress/create', () => null);
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
  });

  it('lists the sessions of a projects folder', async () => {
    const sessions = await server.connection.sendRequest(LogsListRequest.type, { dir: projects });
    assert.deepEqual(
      sessions.map((entry) => [entry.id, entry.project]),
      [['edge_cases', '/tmp']],
    );
  });

  it('analyses a transcript, reporting progress to 100 %', async () => {
    const analysis = await server.connection.sendRequest(LogsAnalyzeRequest.type, {
      file: join(projects, '-tmp', 'edge_cases.jsonl'),
      workDoneToken: 'analyse-1',
    });
    assert.equal(analysis.usage.input_tokens, 488);
    assert.equal(analysis.skippedLines, 4);
    const mine = progress.filter((entry) => entry.token === 'analyse-1').map((entry) => entry.value);
    assert.equal(mine[0]?.kind, 'begin');
    assert.ok(mine.some((value) => value.kind === 'report' && value.percentage === 100));
    assert.equal(mine.at(-1)?.kind, 'end');
  });

  it('stops when cancelled, saying so', async () => {
    // Large enough that the analysis is still reading when the cancellation arrives.
    const big = join(dir.path, 'big.jsonl');
    const line = JSON.stringify({ type: 'user', message: { role: 'user', content: 'x'.repeat(2000) } }) + '\n';
    writeFileSync(big, line.repeat(30_000));
    const source = new CancellationTokenSource();
    const pending = server.connection.sendRequest(LogsAnalyzeRequest.type, { file: big, workDoneToken: 'analyse-big' }, source.token);
    // Cancelled at its first report of progress, with most of the file still to read.
    await waitFor(() => progress.some((entry) => entry.token === 'analyse-big' && entry.value.kind === 'report'), {
      timeoutMs: 30_000,
      what: 'the first progress report',
    });
    source.cancel();
    await assert.rejects(pending, (error: ResponseError<unknown>) => {
      assert.match(error.message, /cancelled/);
      return true;
    });
  });

  it('answers a missing file and a request of the wrong shape with the reason', async () => {
    await assert.rejects(
      server.connection.sendRequest(LogsAnalyzeRequest.type, { file: join(dir.path, 'none.jsonl') }),
      /Cannot read the transcript .*none\.jsonl: no such file/,
    );
    await assert.rejects(server.connection.sendRequest(LogsAnalyzeRequest.method, { file: 42 }), /parley\/logs\/analyze: file/);
    await assert.rejects(server.connection.sendRequest(LogsListRequest.type, { dir: join(dir.path, 'nowhere') }), /No Claude Code sessions/);
  });
});
