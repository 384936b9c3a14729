/** The server through its real stdio JSON-RPC connection, with SQLite on disk. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StatusRequest } from '../../protocol/lsp';
import type { StatusReport } from '../../protocol/status';
import { findRecorder } from '../../server/voice/capture/native';
import { startServer, type TestServer } from '../support/server';
import { tempDir } from '../support/paths';
import { waitFor } from '../support/poll';

const FAKE_ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdefghijklmnop';

function storageIn(root: string) {
  return { globalStoragePath: join(root, 'global'), workspaceStoragePath: join(root, 'workspace', 'abc') };
}

describe('server over stdio', () => {
  const dir = tempDir('server');
  let server: TestServer;

  before(async () => {
    server = await startServer({ storage: storageIn(dir.path), env: { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY } });
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
  });

  it('reports versions, storage and providers without ever carrying a key', async () => {
    const report = await server.connection.sendRequest(StatusRequest.type);
    assert.ok(Number(report.versions.node.split('.')[0]) >= 22, `node ${report.versions.node}`);
    assert.match(report.versions.sqlite, /^3\.\d+/);
    assert.match(report.versions.sqliteVec, /^v0\.\d+/);
    assert.equal(report.versions.fts5, true);
    assert.equal(report.storage.knowledgeDb, join(dir.path, 'global', 'knowledge.db'));
    assert.ok(existsSync(report.storage.knowledgeDb) && existsSync(report.storage.sessionsDb), 'both databases exist on disk');
    assert.equal(report.providers.find((stage) => stage.stage === 'llm')?.configured, true);
    assert.equal(report.providers.find((stage) => stage.stage === 'embeddings')?.configured, true);
    assert.ok(report.live && report.live.port > 0);
    assert.equal(report.recorder, findRecorder()?.program ?? null, 'the panel learns whether the machine can record');
    assert.ok(!JSON.stringify(report).includes(FAKE_ANTHROPIC_KEY), 'the report has no key');
    assert.ok(!server.logs.join('\n').includes(FAKE_ANTHROPIC_KEY) && !server.stderr().includes(FAKE_ANTHROPIC_KEY), 'the log has no key');
  });

  it('opens its databases in WAL mode', () => {
    assert.ok(existsSync(join(dir.path, 'global', 'knowledge.db-wal')), 'a WAL file sits next to the knowledge base');
  });

  it('pulls settings again when they change and reports the new providers', async () => {
    const before = server.statuses.length;
    await server.changeSettings({ ...server.settings, llm: { provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: 'http://127.0.0.1:11434/v1' } });
    await waitFor(() => server.statuses.length > before, { what: 'a status notification after the change' });
    const llm = (await server.connection.sendRequest(StatusRequest.type)).providers.find((stage) => stage.stage === 'llm');
    assert.deepEqual(llm, { stage: 'llm', provider: 'openai-compatible', model: 'qwen2.5-coder', baseUrl: 'http://127.0.0.1:11434/v1', configured: true });
  });

  it('falls back to the default for a malformed setting and says so in the log', async () => {
    await server.changeSettings({ ...server.settings, tts: { provider: 'banana' as 'none', model: '', baseUrl: '' } });
    const tts = await waitFor(
      async () => (await server.connection.sendRequest(StatusRequest.type)).providers.find((stage) => stage.stage === 'tts' && stage.provider === 'system'),
      { what: 'the fallback provider' },
    );
    assert.equal(tts.provider, 'system');
    await waitFor(() => server.logs.find((line) => line.includes('"banana" is not one of')), { what: 'a warning about the bad value' });
  });
});

describe('server storage faults', () => {
  it('creates missing storage folders', async () => {
    const dir = tempDir('missing');
    const storage = { globalStoragePath: join(dir.path, 'does', 'not', 'exist'), workspaceStoragePath: join(dir.path, 'nor', 'this') };
    const server = await startServer({ storage });
    try {
      const report = await server.connection.sendRequest(StatusRequest.type);
      assert.ok(existsSync(report.storage.knowledgeDb) && existsSync(report.storage.sessionsDb));
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });

  it('moves a corrupt database aside, creates a fresh one and keeps the other database', async () => {
    const dir = tempDir('corrupt');
    const storage = storageIn(dir.path);
    const first = await startServer({ storage });
    const report: StatusReport = await first.connection.sendRequest(StatusRequest.type);
    await first.stop();
    const sessionsBefore = readFileSync(report.storage.sessionsDb);
    const junk = Buffer.from('this is not a SQLite database, it is junk '.repeat(200));
    writeFileSync(report.storage.knowledgeDb, junk);

    const second = await startServer({ storage });
    try {
      const recovered = (await second.connection.sendRequest(StatusRequest.type)).storage.recovered;
      assert.equal(recovered.length, 1);
      assert.deepEqual(readFileSync(recovered[0]), junk, 'the damaged file is kept, byte for byte');
      assert.deepEqual(readFileSync(report.storage.sessionsDb).subarray(0, 100), sessionsBefore.subarray(0, 100), 'the session history is untouched');
      const status = second.statuses.at(-1)!;
      assert.equal(status.health, 'warning');
      assert.match(status.message, /moved aside/);
      assert.ok(second.logs.some((line) => line.includes('could not be read') && line.includes(recovered[0])));
    } finally {
      await second.stop();
      dir.cleanup();
    }
  });

  it('survives being killed mid-run: a new server opens the same storage', async () => {
    const dir = tempDir('crash');
    const storage = storageIn(dir.path);
    const first = await startServer({ storage });
    const { pid } = await first.connection.sendRequest(StatusRequest.type);
    first.process.kill('SIGKILL');
    await first.exited;
    first.connection.dispose();

    const second = await startServer({ storage });
    try {
      const report = await second.connection.sendRequest(StatusRequest.type);
      assert.notEqual(report.pid, pid);
      assert.deepEqual(report.storage.recovered, [], 'nothing needed recovery after a kill');
    } finally {
      await second.stop();
      dir.cleanup();
    }
  });

  it('refuses to initialize without storage folders, with a clear error', async () => {
    const server = await startServer({ storage: { globalStoragePath: '', workspaceStoragePath: '' }, initialize: false });
    try {
      await assert.rejects(
        server.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: {} }),
        /globalStoragePath/,
      );
    } finally {
      server.process.kill('SIGKILL');
      server.connection.dispose();
    }
  });
});
